/**
 * A simulator run's job, in a worker thread of `clusterchaos worker` (BullMQ's sandboxed processor): the run is
 * CPU-bound, so each thread makes one at a time on its own core while the worker's main thread keeps the jobs'
 * locks renewed.
 */
import type { SandboxedJob } from 'bullmq';
import { SIM_QUEUE, type RunJobData, type RunJobResult } from './queue.js';
import { makeRun } from './worker.js';

export default async function simJob(job: SandboxedJob<RunJobData, RunJobResult>): Promise<RunJobResult> {
  return makeRun(job, SIM_QUEUE);
}
