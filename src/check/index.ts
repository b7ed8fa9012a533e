import { readTrace, TraceFormatError } from '../trace/reader.js';
import type { HeaderRecord } from '../trace/records.js';
import { Checker } from './checker.js';
import type { CheckResult } from './result.js';

export { Checker } from './checker.js';
export type { CheckResult, Violation, TransitionCoverage, QuotedLine } from './result.js';
export { worstVerdict } from './result.js';
export { MigrationChecker } from './migrations.js';

/** Check a stored trace against the current models, streaming it. */
export async function checkTrace(file: string): Promise<{ header: HeaderRecord; result: CheckResult }> {
  let checker: Checker | undefined;
  let header: HeaderRecord | undefined;
  for await (const read of readTrace(file)) {
    if (!checker) {
      if (read.record.type !== 'header') {
        throw new TraceFormatError(file, read.line, 'expected the header record first; is this a clusterchaos trace?');
      }
      header = read.record;
      const cluster = header.cluster as Partial<HeaderRecord['cluster']> | undefined;
      if (!cluster || !Array.isArray(cluster.nodes) || !Array.isArray(cluster.vms) || typeof header.settings !== 'object' || typeof header.check?.toleranceMs !== 'number') {
        throw new TraceFormatError(file, read.line, 'the header lacks the cluster (nodes, vms), the settings or the check parameters a clusterchaos run records; is this a clusterchaos trace?');
      }
      checker = new Checker(header);
      continue;
    }
    checker.feed(read);
  }
  if (!checker || !header) throw new TraceFormatError(file, 1, 'the trace is empty: expected a header record');
  return { header, result: checker.finish() };
}
