import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseScriptHeader } from '../powershell/ps-tokenizer.js';
import { MUTATING_OPS } from '../../src/targets/powershell/scripts.js';
import { PsCommandError, RealTimeCluster, list, str, type Answer, type ClusterFixture, type Values } from './cluster.js';
import { renderWriteError, type ErrorView } from './ps-errors.js';

/**
 * A fake `pwsh` for the tests: it speaks node-powershell 5's framing on stdin/stdout/stderr
 * (toolchain-notes §4) and answers clusterchaos' scripts (`# clusterchaos <op>` + `$name = '…'` lines) from
 * the repository's simulator running in real time, so the PowerShell target sees a cluster that behaves.
 *
 * Environment:
 * - FAKE_PWSH_CLUSTER: the cluster fixture (JSON, see ClusterFixture); default test/powershell/fixtures/cluster.json.
 * - FAKE_PWSH_LOG: JSON lines, one per command received (`{t, pid, op, values}`) and one per session start.
 * - FAKE_PWSH_STATE: the state every session shares (default `<FAKE_PWSH_LOG>.state`): a new session
 *   (after one died) sees the cluster as the old one left it, and an injected fault fires only its count.
 * - FAKE_PWSH_FAULTS: JSON `{dieOn, hangOn, malformedOn, stderrOn}`, each one rule or a list of rules
 *   `{op, count?}` (count: fire the first N times, default 1); dieOn `{op, applied?, exitCode?}` exits in the
 *   middle of the command (applied: the cluster did it first, default true); hangOn `{op, ms}` sleeps before
 *   answering; malformedOn `{op}` prints cut-off JSON; stderrOn `{op, text?}` refuses the command with a
 *   PowerShell error on stderr (the cluster does nothing).
 *   Any rule may say `after: <op>`: armed only once the cluster has received that mutating op.
 * - FAKE_PWSH_ERRORVIEW: NormalView (Windows PowerShell 5.1's, default) or ConciseView (pwsh 7's).
 * - FAKE_PWSH_LOG_ANSWERS=1: the log also has what each command printed (for debugging a test).
 * - FAKE_PWSH_TIMESCALE: the cluster's milliseconds per wall millisecond (default 1: real time); > 1 runs
 *   the cluster faster than the wall clock (tests that do not check timings against the models).
 */

interface FaultRule {
  op: string;
  count?: number;
  /** Armed only once the cluster has received this (mutating) op, in any session. */
  after?: string;
  applied?: boolean;
  exitCode?: number;
  ms?: number;
  text?: string;
}

interface Faults {
  dieOn: FaultRule[];
  hangOn: FaultRule[];
  malformedOn: FaultRule[];
  stderrOn: FaultRule[];
}

const MARK = /^\[Console\]::(Out|Error)\.WriteLine\("([0-9A-Za-z]{16})"\)$/;

const here = fileURLToPath(new URL('.', import.meta.url));

export async function main(argv: string[]): Promise<void> {
  if (argv.some((a) => /^-{1,2}v(ersion)?$/i.test(a))) {
    process.stdout.write('PowerShell 7.4.6\n');
    return;
  }
  const fixtureFile = process.env.FAKE_PWSH_CLUSTER ?? `${here}../powershell/fixtures/cluster.json`;
  const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as ClusterFixture;
  const logFile = process.env.FAKE_PWSH_LOG;
  const stateFile = process.env.FAKE_PWSH_STATE ?? (logFile ? `${logFile}.state` : undefined);
  const faults = readFaults(process.env.FAKE_PWSH_FAULTS);
  const view: ErrorView = process.env.FAKE_PWSH_ERRORVIEW === 'ConciseView' ? 'ConciseView' : 'NormalView';
  const log = (entry: Record<string, unknown>): void => {
    if (logFile) appendFileSync(logFile, JSON.stringify({ t: new Date().toISOString(), pid: process.pid, ...entry }) + '\n');
  };
  const timeScale = Number(process.env.FAKE_PWSH_TIMESCALE ?? '1');
  if (!(timeScale > 0)) throw new Error(`FAKE_PWSH_TIMESCALE must be a positive number, got ${process.env.FAKE_PWSH_TIMESCALE}`);
  const cluster = await RealTimeCluster.open(fixture, stateFile, timeScale);
  log({ session: 'start', argv });

  const fire = (kind: keyof Faults, op: string): FaultRule | undefined => {
    for (const [i, rule] of faults[kind].entries()) {
      if (rule.op !== op) continue;
      if (rule.after !== undefined && !cluster.opsSeen.has(rule.after)) continue;
      const key = `${kind}/${i}/${op}`;
      if ((cluster.faultsFired.get(key) ?? 0) >= (rule.count ?? 1)) continue;
      cluster.recordFault(key);
      return rule;
    }
    return undefined;
  };

  /** One command: what it writes on stdout and stderr (before the closing delimiters). */
  const run = async (script: string): Promise<void> => {
    let header: { op: string; values: Values };
    try {
      header = parseScriptHeader(script) as { op: string; values: Values };
    } catch (e) {
      const op = /^# clusterchaos ([a-z][a-z0-9-]*)/.exec(script)?.[1] ?? null;
      log({ op, values: null, headerError: (e as Error).message });
      await write(process.stderr, renderWriteError(op ?? '?', `the fake pwsh cannot read the script's header: ${(e as Error).message}`, view));
      return;
    }
    const { op, values } = header;
    const mutating = (MUTATING_OPS as ReadonlySet<string>).has(op);
    const dies = fire('dieOn', op);
    const hangs = dies ? undefined : fire('hangOn', op);
    const malformed = dies ? undefined : fire('malformedOn', op);
    const refused = dies ? undefined : fire('stderrOn', op);
    const fired = [dies && 'dieOn', hangs && 'hangOn', malformed && 'malformedOn', refused && 'stderrOn'].filter(Boolean);
    log({ op, values, ...(fired.length ? { fault: fired.join(',') } : {}) });

    if (hangs) await sleep(hangs.ms ?? 60_000);
    await cluster.catchUp();
    if (dies) {
      if (mutating && dies.applied !== false) await cluster.mutate(op, values).catch(() => undefined);
      process.exit(dies.exitCode ?? 1);
    }
    if (refused) {
      const where = typeof values.node === 'string' ? values.node : typeof values.cluster === 'string' ? values.cluster : 'the cluster';
      const text =
        refused.text ??
        renderWriteError(op, `Connecting to remote server ${where} failed with the following error message : Access is denied. For more information, see the about_Remote_Troubleshooting Help topic.`, view);
      await write(process.stderr, text.endsWith('\n') ? text : `${text}\n`);
      return;
    }
    let answer: Answer;
    try {
      answer = await answerFor(cluster, op, values, script, mutating);
    } catch (e) {
      if (!(e instanceof PsCommandError)) {
        // a script the fake cannot serve (a new op, a value it does not expect): say so, loudly but in band
        log({ op, internalError: (e as Error).stack ?? String(e) });
        await write(process.stderr, renderWriteError(op, `the fake pwsh cannot serve this script: ${(e as Error).message}`, view));
        return;
      }
      await write(process.stderr, renderWriteError(op, e.message, view));
      return;
    }
    // a migration or a drain ran ahead in virtual time: the cmdlet returns when it is done, in real time
    const ahead = cluster.aheadMs();
    if (ahead > 0) await sleep(ahead);
    // the scripts that return nothing print `ConvertTo-Json -InputObject @{}`
    const text = convertToJson(answer === undefined && op !== 'session' ? {} : answer, script);
    if (process.env.FAKE_PWSH_LOG_ANSWERS === '1') log({ answered: op, text });
    if (text === undefined) return;
    await write(process.stdout, malformed ? `${text.slice(0, Math.max(1, Math.floor(text.length / 2)))}\n` : `${text}\n`);
  };

  // node-powershell's framing (toolchain-notes §4): an opening pair of delimiter lines, the command, a
  // closing pair; each delimiter is echoed on its own stream, the command's output between the two.
  let open: string | null = null;
  let body: string[] | null = [];
  for await (const raw of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    const line = raw.replace(/\r$/, '');
    const m = MARK.exec(line);
    if (m) {
      const [, which, d] = m as unknown as [string, 'Out' | 'Error', string];
      if (open === null && which === 'Error') {
        open = d;
        body = [];
      } else if (open === d && which === 'Error' && body) {
        await run(body.join('\n'));
        body = null;
      } else if (open === d && which === 'Out' && !body) {
        open = null;
      }
      // the delimiter must be the last thing of a write: node-powershell looks for it at the end of a chunk
      await write(which === 'Out' ? process.stdout : process.stderr, `${d}\n`);
      continue;
    }
    if (open !== null && body) body.push(line);
  }
}

/** What the script's projection would print, for each op. */
async function answerFor(cluster: RealTimeCluster, op: string, values: Values, script: string, mutating: boolean): Promise<Answer> {
  switch (op) {
    case 'session':
      return undefined;
    case 'poll':
      return cluster.poll();
    case 'events':
      return cluster.events(list(values, 'nodes'), str(values, 'since'), timeFormatOf(script));
    case 'get-settings':
      return cluster.getSettings(list(values, 'names'));
    case 'residue':
      return cluster.residue(str(values, 'tag'), list(values, 'names'));
    case 'read-configuration':
      return cluster.readConfiguration();
    default:
      if (!mutating) throw new Error(`the fake pwsh does not know op '${op}' (not in MUTATING_OPS nor a read op)`);
      return cluster.mutate(op, values);
  }
}

/**
 * How the script prints event times: `.ToString('o')` gives .NET's round-trip format (7 fractional digits,
 * `Z` for UTC); a custom `fff` format gives milliseconds.
 */
function timeFormatOf(script: string): (iso: string) => string {
  if (/ToString\(\s*['"]o['"]\s*\)/i.test(script)) return (iso) => iso.replace(/\.(\d{3})Z$/, '.$10000Z');
  return (iso) => iso;
}

/**
 * ConvertTo-Json -Compress of the projection, as the script invokes it. Piped (`… | ConvertTo-Json`),
 * PowerShell unrolls an array: none prints nothing, one prints the object alone; with `-InputObject` the
 * array stays an array. Windows PowerShell 5.1 escapes ' < > & as \u0027 \u003c \u003e \u0026.
 */
export function convertToJson(answer: Answer, script: string): string | undefined {
  if (answer === undefined) return undefined;
  let value = answer;
  const piped = /\|\s*ConvertTo-Json/i.test(script);
  if (piped && Array.isArray(value)) {
    if (value.length === 0) return undefined;
    if (value.length === 1) value = value[0];
  }
  return JSON.stringify(value).replace(/['<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function readFaults(text: string | undefined): Faults {
  const faults: Faults = { dieOn: [], hangOn: [], malformedOn: [], stderrOn: [] };
  if (!text) return faults;
  const parsed = JSON.parse(text) as Record<string, unknown>;
  for (const kind of Object.keys(faults) as (keyof Faults)[]) {
    const v = parsed[kind];
    if (v === undefined) continue;
    const rules = Array.isArray(v) ? v : [v];
    faults[kind] = rules.map((r) => (typeof r === 'string' ? { op: r } : (r as FaultRule)));
  }
  return faults;
}

function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (e) => (e ? reject(e) : resolve())));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

