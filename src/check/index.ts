import { settingDefinitions } from '../../machines/index.js';
import { readTrace, TraceFormatError } from '../trace/reader.js';
import type { FooterRecord, HeaderRecord } from '../trace/records.js';
import { traceSchema, type SettingRange, type TraceSchema, type TraceVocabulary } from '../trace/schema.js';
import { Checker } from './checker.js';
import type { RunRules } from './outcome.js';
import type { CheckResult } from './result.js';

export { Checker } from './checker.js';
export type { CheckResult, Violation, TransitionCoverage, QuotedLine } from './result.js';
export { worstVerdict } from './result.js';
export { MigrationChecker } from './migrations.js';
export { INCOMPLETE_TRACE } from './outcome.js';

const UINT32_MAX = 0xffffffff;

/**
 * What a trace's header may record for each setting the models know. The models' own settings and the
 * simulator's come from the experiment (validated against the same range) or their documented defaults: in
 * range. A cluster property is recorded as the cluster reported it, which may lie outside what an experiment
 * may ask for: it need only be what a Get-Cluster property holds (a UInt32).
 */
export const settingRanges: readonly SettingRange[] = settingDefinitions.map((d) =>
  d.kind === 'cluster'
    ? { name: d.name, minimum: 0, maximum: UINT32_MAX, unit: d.unit }
    : { name: d.name, minimum: d.min, maximum: d.max, ...(d.values ? { values: d.values } : {}), unit: d.unit },
);

export interface CheckOptions {
  /** The operations an op line may hold, with the arguments each requires (traceVocabulary of the fault catalogue); absent: any name. */
  operations?: Pick<TraceVocabulary, 'operations' | 'arguments'>;
  /**
   * `required` (default): a stored trace, judged whole: without its footer it is unknown. `to-come`: the trace
   * `run` has just written, checked before it appends the footer. Either way the run's outcome (steady state,
   * abort, reverts) is judged from the trace's lines (src/check/outcome.ts).
   */
  footer?: RunRules['footer'];
}

export interface CheckedTrace {
  header: HeaderRecord;
  result: CheckResult;
  /** The footer the run wrote when it ended; absent: the run did not finish (killed, or still running), or the trace was cut short. */
  footer?: FooterRecord;
  /** The latest `t` of any record (how far the run got, without a footer). */
  lastT: number;
}

/** The schema a stored trace is read with: the record types' shapes, the models' settings, and the operations if given. */
export function checkSchema(options: CheckOptions = {}): TraceSchema {
  return traceSchema({ settings: settingRanges, ...options.operations });
}

/**
 * Check a trace against the current models and judge the run's outcome from it, streaming it. Every record is checked for its shape first
 * (src/trace/schema.ts): a trace that is not one clusterchaos wrote is a TraceFormatError, never a verdict.
 */
export async function checkTrace(file: string, options: CheckOptions = {}): Promise<CheckedTrace> {
  let checker: Checker | undefined;
  let footer: FooterRecord | undefined;
  let lastT = 0;
  for await (const read of readTrace(file, { schema: checkSchema(options) })) {
    const { record } = read;
    if (!checker) {
      // the reader has made sure the header comes first and is whole
      checker = new Checker(record as HeaderRecord, { run: { footer: options.footer ?? 'required' } });
      continue;
    }
    if (record.type === 'footer') footer = record;
    else if (record.type !== 'header' && record.t > lastT) lastT = record.t;
    checker.feed(read);
  }
  if (!checker) throw new TraceFormatError(file, 1, 'the trace is empty: expected a header record');
  return { header: checker.header, result: checker.finish(), ...(footer ? { footer } : {}), lastT };
}
