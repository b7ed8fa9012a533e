import { mkdir } from 'node:fs/promises';
import { describeWriteError, OutputError, writeWhole } from '../trace/output.js';
import { join, relative } from 'node:path';
import { htmlOf } from './html.js';
import { junitOf } from './junit.js';
import { collectLanes, type LaneLimits, type Lanes } from './lanes.js';
import { summaryOf, type ReportInput } from './summary.js';

export { formatRunResult, formatViolation } from './console.js';
export { htmlOf } from './html.js';
export { junitOf } from './junit.js';
export { collectLanes, LaneCollector, DEFAULT_LIMITS } from './lanes.js';
export type { EventMarker, FaultWindow, Interval, Lane, LaneLimits, Lanes, Operation, Outcome, Zoom } from './lanes.js';
export { wallClock } from './clock.js';
export { compactIntervals } from './intervals.js';
export { faultLabel } from './operations.js';
export { nodeDisplayState, vmDisplayState, stateColour, MANY_CHANGES } from './states.js';
export { summaryOf, SUMMARY_FORMAT } from './summary.js';
export type { ReportInput, RunRecord, Summary, SummaryEntity, SummaryFault, SummaryFiles } from './summary.js';

export const REPORT_FILES = { summary: 'summary.json', junit: 'junit.xml', html: 'report.html' } as const;

/**
 * Write summary.json, junit.xml and report.html into `outDir` (created if missing), reading the trace once
 * as a stream. Returns the three paths and the lanes drawn (for the console's account of what happened).
 * Throws OutputError when a file cannot be written (each is written whole or not at all).
 */
export async function writeReports(
  outDir: string,
  input: ReportInput,
  limits?: Partial<LaneLimits>,
): Promise<{ summary: string; junit: string; html: string; lanes: Lanes }> {
  await mkdir(outDir, { recursive: true }).catch((e: unknown) => {
    throw new OutputError(`cannot create the folder ${outDir}: ${describeWriteError(e)}`, { cause: e });
  });
  // the first violation is drawn again at full detail, with the minutes around it (html.ts zoomSection)
  const first = input.result.violations.length ? Math.min(...input.result.violations.map((v) => v.t)) : undefined;
  const lanes = await collectLanes(input.tracePath, input.header, limits, first);
  const paths = { summary: join(outDir, REPORT_FILES.summary), junit: join(outDir, REPORT_FILES.junit), html: join(outDir, REPORT_FILES.html) };
  const files = { trace: relative(outDir, input.tracePath) || input.tracePath, junit: REPORT_FILES.junit, html: REPORT_FILES.html };
  const summary = summaryOf(input, lanes, files);
  // each file whole or not at all (a full disk must not leave a 0-byte report.html); one after the other, so the
  // first failure is the one reported
  await writeWhole(paths.summary, JSON.stringify(summary, null, 2) + '\n');
  await writeWhole(paths.junit, junitOf(input, lanes));
  await writeWhole(paths.html, htmlOf(input, lanes));
  return { ...paths, lanes };
}
