import { basename, dirname } from 'node:path';
import type { QuotedLine, Violation } from '../check/result.js';
import { formatT, seconds } from '../check/time.js';
import type { SoakOutcome } from '../trace/records.js';
import type { Change } from './intervals.js';
import type { Lane, Lanes } from './lanes.js';
import type { MigrationSummary, Percentiles } from './migrations.js';
import type { ReportInput } from './summary.js';

/**
 * A violation for the terminal (no colours): entity and rule, what the model expected, what was observed,
 * when (and how long after which stimulus), the setting involved, the explanation, and the trace lines
 * quoted as evidence, the observation itself marked with `>`.
 */
export function formatViolation(v: Violation): string {
  const lines = [`${v.entity} (${v.rule})`, `  expected: ${v.expected}`, `  observed: ${v.observed}`, `  when:     ${whenOf(v)}`];
  if (v.setting) lines.push(`  setting:  ${settingOf(v.setting)}`);
  lines.push(`  ${v.message}`);
  if (v.context.length) {
    lines.push('  trace:');
    const width = Math.max(...v.context.map((q) => String(q.seq).length));
    for (const q of v.context) lines.push(`  ${isObservation(v, q) ? '>' : ' '} ${quoteLine(q, width)}`);
  }
  return lines.join('\n');
}

/** `01:12.0, 42.0 s after kill-clussvc on N2 (at 00:30.0)` */
export function whenOf(v: Violation): string {
  return v.since ? `${formatT(v.t)}, ${seconds(v.t - v.since.t)} after ${v.since.what} (at ${formatT(v.since.t)})` : formatT(v.t);
}

/** `ResiliencyDefaultPeriod = 60 s` */
export function settingOf(s: NonNullable<Violation['setting']>): string {
  return `${s.name} = ${s.value} ${s.unit}`;
}

/** A quoted trace line: `#41  01:12.0  {"type":"observe",…}`, its number padded to `seqWidth` digits. */
export function quoteLine(q: QuotedLine, seqWidth = 0): string {
  return `#${String(q.seq).padEnd(seqWidth)}  ${formatT(q.t)}  ${q.text}`;
}

/** Real (wall-clock) time for a person: `840 ms`, `12.3 s`. */
export function realTime(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : seconds(ms);
}

/** Whether a quoted line is the observation the violation is about. */
export function isObservation(v: Violation, q: QuotedLine): boolean {
  return q.t === v.t && q.text.includes('"observe"') && q.text.includes(JSON.stringify(v.entity));
}

/**
 * What the CLI prints at the end of a run, before its own last line (`verdict: …`): what ran, how the run
 * went, each violation and unknown, the replay command when the run did not pass, and where the reports are.
 */
export function formatRunResult(input: ReportInput, files: { summary: string; junit: string; html: string }, lanes?: Lanes): string[] {
  const { header, result, run } = input;
  const out: string[] = [];
  const target = header.target === 'sim' ? 'the simulator' : 'the cluster';
  const defects = header.defects.length ? `, defects: ${header.defects.join(', ')}` : '';
  out.push(`${header.experiment.title} (${header.experiment.name}) on ${target}, seed ${header.seed}${defects}`);
  const length = `${formatT(run.virtualMs)} on the run's clock, ${realTime(run.wallMs)} of real time`;
  out.push(run.status === 'completed' ? `run completed: ${length}` : `run aborted after ${length}: ${run.abortReason ?? 'no reason given'}`);
  if (run.methodStopped) out.push(run.methodStopped);
  out.push(`steady state before: ${steady(run.steadyStateBefore)}`);
  out.push(`steady state after:  ${steady(run.steadyStateAfter)}`);
  if (run.reverts.length) {
    out.push(`reverts: ${run.reverts.map((r) => `${r.fault} ${r.outcome === 'ok' ? 'ok' : r.outcome === 'fail' ? 'FAILED' : 'outcome unknown'}${r.error ? ` (${r.error})` : ''}`).join('; ')}`);
  }
  if (run.soak) out.push(...soakLines(run.soak, header.replay));
  if (lanes?.migrations.count) out.push(...migrationLines(lanes.migrations));
  if (lanes) out.push(...whatHappened(lanes, result.violations));
  const exercised = result.coverage.filter((c) => c.count > 0).length;
  out.push(
    `checked ${result.stats.observations} observations, ${result.stats.ops} operation lines and ${result.stats.events} events; ` +
      `${exercised} of ${result.coverage.length} model transitions exercised`,
  );
  for (const [i, v] of result.violations.entries()) {
    out.push('', `violation ${i + 1}:`, ...formatViolation(v).split('\n'));
  }
  if (result.unknowns.length) out.push('');
  for (const u of result.unknowns) out.push(`unknown: ${u}`);
  if (result.verdict !== 'pass') out.push('', `replay: ${header.replay}`);
  out.push(...where(input.tracePath, files));
  return out;
}

const MAX_ENTITIES = 16;
const MAX_CHANGES = 10;

/**
 * One line per node or VM whose state changed: `  N2: Up → Isolated 00:10.0 → Joining 00:15.0 → Up 00:17.0`. One
 * that changed too often to list (a soak's VM, a flapping node) gets what a person asks of it instead: how often
 * its owner and its state changed and where it spent its time, its first and last change, and the violation on it.
 */
export function whatHappened(lanes: Lanes, violations: readonly Violation[] = []): string[] {
  const changed = lanes.lanes.filter((l) => l.intervals.length > 1);
  if (!changed.length) return ['observed: no node or VM changed state'];
  const out = ['observed:'];
  const width = Math.max(...changed.slice(0, MAX_ENTITIES).map((l) => l.label.length));
  for (const lane of changed.slice(0, MAX_ENTITIES)) {
    if (lane.transitions + lane.ownerChanges > MAX_CHANGES || lane.intervals.some((i) => i.merged)) {
      out.push(...manyChanges(lane, width, violations));
      continue;
    }
    const [first, ...rest] = lane.intervals;
    const steps = rest.map((i) => `${describe(i)} ${formatT(i.from)}`);
    out.push(`  ${lane.label.padEnd(width)}  ${[describe(first!), ...steps].join(' → ')}`);
  }
  if (changed.length > MAX_ENTITIES) out.push(`  … and ${changed.length - MAX_ENTITIES} more (see report.html)`);
  return out;
}

/**
 * `  sqltest01 (csv-block)  Running throughout, moved 2291 times (on N1 25 %, N2 25 %, … of the time)`, then its
 * first and last change and the violation on it, each on a line of its own.
 */
function manyChanges(lane: Lane, width: number, violations: readonly Violation[]): string[] {
  const states = Object.keys(lane.states);
  const counts = [lane.transitions === 0 && states.length === 1 ? `${states[0]} throughout` : `state changed ${times(lane.transitions)} (${shares(lane.states)})`];
  // a VM's owner, in the cluster's node order: where it ran, whatever moved it (live migration, failover)
  if (lane.kind === 'vm' && lane.ownerChanges) counts.push(`moved ${times(lane.ownerChanges)} (on ${shares(lane.owners, true)} of the time)`);
  const out = [`  ${lane.label.padEnd(width)}  ${counts.join(', ')}`];
  const indent = ' '.repeat(width + 4);
  const on = violations.flatMap((v, i) => (v.entity === lane.entity ? [{ v, n: i + 1 }] : []));
  const lines: [what: string, t: number, text: string][] = [];
  if (lane.firstChange) lines.push(['first:', lane.firstChange.t, change(lane.firstChange)]);
  if (lane.lastChange && lane.lastChange !== lane.firstChange) lines.push(['last:', lane.lastChange.t, `${change(lane.lastChange)} (as it ended)`]);
  if (on[0]) {
    const { v, n } = on[0];
    const more = on.length > 1 ? ` (and ${on.length - 1} more on it)` : '';
    lines.push(['anomalous:', v.t, `${v.observed}: ${v.rule}, violation ${n} below${more}`]);
  }
  const tWidth = Math.max(...lines.map(([, t]) => formatT(t).length));
  for (const [what, t, text] of lines) out.push(`${indent}${what.padEnd(10)} ${formatT(t).padStart(tWidth)}  ${text}`);
  return out;
}

/** `N1 → N2` (moved), `Running → Off on N2` (its state changed), or both: `Running on N1 → Off on N2`. */
function change(c: Change): string {
  if (c.from.state === c.to.state && c.from.owner !== undefined && c.to.owner !== undefined) return `${c.from.owner} → ${c.to.owner}`;
  if (c.from.owner === c.to.owner) return `${c.from.state} → ${describe(c.to)}`;
  return `${describe(c.from)} → ${describe(c.to)}`;
}

/** `3 times`, `once`. */
function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}

/** Time per state, most first (or per owner, by name), as shares of the whole: `Up 82 %, Isolated 12 %, Down 6 %`. */
function shares(ms: Record<string, number>, byName = false): string {
  const total = Object.values(ms).reduce((a, b) => a + b, 0);
  const sorted = Object.entries(ms).sort(byName ? (a, b) => a[0].localeCompare(b[0], 'en', { numeric: true }) : (a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, 6).map(([k, v]) => `${k} ${total > 0 ? percent(v / total) : '?'}`);
  return shown.join(', ') + (sorted.length > 6 ? `, … (${sorted.length - 6} more)` : '');
}

/** `25 %`; a share under 1 % keeps one decimal (`0.3 %`), and one that is not 0 never shows as `0 %`. */
function percent(f: number): string {
  const p = 100 * f;
  return p >= 1 || p === 0 ? `${Math.round(p)} %` : `${Math.max(p, 0.1).toFixed(1)} %`;
}

function describe(i: { state: string; owner?: string }): string {
  return i.owner ? `${i.state} on ${i.owner}` : i.state;
}

function steady(s: { ok: boolean; detail: string } | undefined): string {
  if (!s) return 'not checked';
  return s.ok ? `ok (${s.detail})` : `NOT REACHED: ${s.detail}`;
}

function where(tracePath: string, files: { summary: string; junit: string; html: string }): string[] {
  const all = [tracePath, files.summary, files.junit, files.html];
  const dir = dirname(files.html);
  if (all.every((f) => dirname(f) === dir)) return [`results in ${dir}/: ${all.map((f) => basename(f)).join(', ')} (open ${basename(files.html)} in a browser)`];
  return [`trace:   ${tracePath}`, `summary: ${files.summary}`, `junit:   ${files.junit}`, `report:  ${files.html}`];
}

/** A duration for a person: `12.3 s`, `1 min 35 s`, `2 h 05 min`. */
export function duration(ms: number): string {
  if (ms < 100_000) return seconds(ms);
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`.replace(' 00 s', '');
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A soak's account: iterations, anomalies, where it stopped and the command that gets there again. */
export function soakLines(soak: SoakOutcome, replay: string): string[] {
  const planned = soak.planned.iterations !== undefined ? `${soak.planned.iterations} planned` : `for ${duration(soak.planned.durationMs ?? 0)} on the run's clock`;
  const resumed = soak.resumedAfter !== undefined ? `, resumed after iteration ${soak.resumedAfter}` : '';
  const out = [`soak: ${soak.iterations} iterations done (${planned}${resumed}); ${soak.anomalyCount} anomalous`];
  const first = soak.anomalies[0];
  if (first) {
    out.push(`  first anomaly: iteration ${first.iteration} at ${formatT(first.t)}: ${first.what}`);
    if (soak.stoppedAt !== undefined) out.push(`  stopped there (stop-on: first-anomaly); the trace holds the evidence`);
    out.push(`  replay (same seed; the same anomaly comes at iteration ${first.iteration}): ${replay}`);
  }
  return out;
}

/** `12.1 s / 14.0 s / 15.2 s` (p50 / p95 / max) */
function spread(p: Percentiles | null): string {
  return p ? `p50 ${duration(p.p50)}, p95 ${duration(p.p95)}, max ${duration(p.max)}` : 'not measured';
}

/** Live migrations in a few lines: counts, time and blackout, per transport, and each drain. */
export function migrationLines(m: MigrationSummary): string[] {
  const out = [`live migrations: ${m.count} (${m.completed} completed, ${m.failed} failed${m.unknown ? `, ${m.unknown} outcome unknown` : ''})`];
  if (m.totalMs) out.push(`  time: ${spread(m.totalMs)}; blackout: ${spread(m.blackoutMs)}`);
  const transports = Object.entries(m.byTransport);
  if (transports.length) {
    out.push('  by transport:');
    const width = Math.max(...transports.map(([t]) => t.length));
    for (const [t, s] of transports) {
      const rate = s.gbps !== null ? `, ${s.gbps.toFixed(1)} Gbps` : '';
      const times = s.count === 1 ? `${duration(s.totalMs.p50)} (blackout ${s.blackoutMs ? duration(s.blackoutMs.p50) : '?'}${rate})` : `${spread(s.totalMs)}${rate}`;
      out.push(`    ${t.padEnd(width)}  ${s.count} × ${times}`);
    }
  }
  for (const d of m.drains.slice(0, 10)) {
    const what = d.f === 'drain-node' ? 'drain of' : d.f === 'resume-node' ? 'failback to' : 'resume of';
    const took = d.totalMs !== null ? duration(d.totalMs) : '?';
    const via = d.transports.length ? ` over ${d.transports.join(', ')}` : '';
    out.push(`  ${what} ${d.node}: ${d.vms} VM${d.vms === 1 ? '' : 's'} (${d.memoryGB} GB) in ${took}${via}${d.outcome === 'ok' ? '' : d.outcome === 'fail' ? ' — FAILED' : ' — outcome unknown'}`);
  }
  return out;
}
