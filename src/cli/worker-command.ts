/**
 * `clusterchaos worker --queue redis://host:port [--allowlist FILE] [--concurrency N]`: take a campaign's runs
 * from a BullMQ queue until SIGINT or SIGTERM (src/campaign/worker.ts). Checked before anything is taken: the
 * URL and the allowlist (exit 2, nothing run). A Redis that is not there yet or goes away is waited for.
 */
import { availableParallelism } from 'node:os';
import { parseRedisUrl, shownUrl } from '../campaign/queue.js';
import { startWorker, workerAllowlist } from '../campaign/worker.js';
import { AllowlistError } from '../safety/allowlist.js';
import { createLogger, type LogFormat } from './log.js';
import { EXIT_USAGE, type Io } from './main.js';

export interface WorkerFlags {
  queue: string;
  allowlist?: string;
  concurrency?: number;
  lockDuration?: number;
  logFormat: LogFormat;
}

export async function workerCommand(flags: WorkerFlags, io: Io): Promise<number> {
  try {
    parseRedisUrl(flags.queue);
  } catch (e) {
    io.err(`--queue ${flags.queue}: ${(e as Error).message}`);
    io.out('verdict: unknown — bad --queue, no run was taken');
    return EXIT_USAGE;
  }
  let clusters: string[] = [];
  try {
    clusters = workerAllowlist(flags.allowlist)?.clusters.map((c) => c.name) ?? [];
  } catch (e) {
    if (!(e instanceof AllowlistError)) throw e;
    io.err(e.message);
    io.out('verdict: unknown — the allowlist cannot be used, no run was taken');
    return EXIT_USAGE;
  }

  const log = createLogger(flags.logFormat);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) log.info(`${signal}: finishing the runs in progress (again to stop at once)`);
    else process.exit(3); // a second Ctrl-C: the runs in progress go back to the queue when their lock runs out
    stop.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await startWorker({
      url: flags.queue,
      ...(flags.allowlist !== undefined ? { allowlist: flags.allowlist } : {}),
      concurrency: flags.concurrency ?? availableParallelism(),
      signal: stop.signal,
      log,
      ...(flags.lockDuration !== undefined ? { lockDurationMs: flags.lockDuration } : {}),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  io.out(`verdict: pass — the worker on ${shownUrl(flags.queue)} stopped (${clusters.length ? `clusters: ${clusters.join(', ')}` : 'simulator runs only'})`);
  return 0;
}
