/**
 * What the tests of stored traces share: `clusterchaos check` and `clusterchaos report` run in this process
 * (main with a recording io, as bin/clusterchaos.js runs it), and real traces to change.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { onSimulator } from '../../src/run/run-experiment.js';

export interface Outcome {
  code: number;
  out: string[];
  err: string[];
  /** The last line on stdout (`verdict: …`). */
  last: string;
  /** Wall time the command took. */
  ms: number;
}

/** `clusterchaos <argv>` in this process. */
export async function clusterchaos(argv: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const t0 = performance.now();
  const code = await main(argv, { out: (l) => out.push(...l.split('\n')), err: (l) => err.push(...l.split('\n')) });
  return { code, out, err, last: out.at(-1) ?? '', ms: performance.now() - t0 };
}

/** `clusterchaos check <trace>` and `clusterchaos report <trace> --out <a new folder>`, one after the other (the folder removed after). */
export async function checkAndReport(trace: string): Promise<{ check: Outcome; report: Outcome }> {
  const check = await clusterchaos(['check', trace]);
  const out = mkdtempSync(join(tmpdir(), 'stored-report-'));
  try {
    const report = await clusterchaos(['report', trace, '--out', out]);
    return { check, report };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const runs = new Map<string, Promise<string>>();

/** The lines of a real run's trace on the simulator (made once per experiment, sets and defects). */
export async function realTrace(experiment: string, o: { sets?: string[]; defects?: string[] } = {}): Promise<string[]> {
  const key = JSON.stringify([experiment, o]);
  let run = runs.get(key);
  if (!run) runs.set(key, (run = onSimulator(`experiments/${experiment}.yaml`, o).then((r) => r.tracePath)));
  return readFileSync(await run, 'utf8').trimEnd().split('\n');
}

let files = 0;
const dir = mkdtempSync(join(tmpdir(), 'stored-trace-'));

/** A trace file with this text (a list of lines: joined by LF, with a final LF). */
export function traceFile(text: string | string[]): string {
  const path = join(dir, `${files++}.ndjson`);
  writeFileSync(path, typeof text === 'string' ? text : text.join('\n') + '\n');
  return path;
}
