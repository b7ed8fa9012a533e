import dayjs from 'dayjs';
import { formatT } from '../check/time.js';
import { delta, span, type Comparison, type EntityComparison, type MigrationRow, type RunFacts, type TransitionRow } from './compare.js';

/** A start time as the person at this terminal reads a clock: local time, to the second. */
export function localTime(iso: string): string {
  const d = dayjs(iso);
  return d.isValid() ? d.format('YYYY-MM-DD HH:mm:ss') : iso;
}

/** `A  reports/…-a  (clussvc-stays-down, sim, seed 1, started 2026-12-06 11:10:02, 03:00.0 on the run's clock)`. */
export function runLine(side: 'A' | 'B', r: RunFacts): string {
  return `${side}  ${r.where}  (${r.experiment}, ${r.target}, seed ${r.seed}, started ${localTime(r.startTime)}, ${formatT(r.virtualMs)} on the run's clock)`;
}

/** Columns padded to their widest cell, two spaces apart; a row's last cell runs on (a heading row of one cell widens nothing). */
export function table(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, i < r.length - 1 ? c.length : 0)));
  return rows.map((r) => (indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).trimEnd());
}

/** A transition's four cells after its name: when in A, when in B, the difference, and how long the state left lasted. */
export function transitionCells(r: TransitionRow): [string, string, string, string] {
  const at = (t: TransitionRow['a']): string => (t ? formatT(t.at) : '—');
  const when = r.a && r.b ? delta(r.a.at, r.b.at) : r.a ? 'only in A' : 'only in B';
  let held = '';
  if (r.a && r.b) held = `${r.from} for ${span(r.a.held)} vs ${span(r.b.held)}${r.a.held === r.b.held ? '' : ` (${delta(r.a.held, r.b.held)})`}`;
  else if (r.a ?? r.b) held = `${r.from} for ${span((r.a ?? r.b)!.held)}`;
  return [at(r.a), at(r.b), when, held];
}

export function transitionName(r: TransitionRow): string {
  return `${r.from} → ${r.to}${r.occurrence > 1 ? ` (${ordinal(r.occurrence)} time)` : ''}`;
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

export function migrationCell(row: MigrationRow, v: number | null): string {
  if (v === null) return '—';
  return row.unit === 'ms' ? span(v) : String(v);
}

export function migrationDelta(row: MigrationRow): string {
  return row.a === null || row.b === null ? '' : delta(row.a, row.b, row.unit);
}

/** What the verdicts say together: `both pass`, or `A pass, B fail`. */
export function verdictsLine(c: Comparison): string {
  return c.a.verdict === c.b.verdict ? `both ${c.a.verdict}` : `A ${c.a.verdict}, B ${c.b.verdict}`;
}

/** The last line: what changed, in one sentence. */
export function conclusion(c: Comparison): string {
  const changed = c.entities.filter((e) => e.changed);
  const migrations = c.migrations?.some((m) => m.a !== m.b) ? 'live-migration figures differ' : c.migrations ? 'live-migration figures the same' : 'no live migrations';
  const parts = [
    `verdicts: ${verdictsLine(c)}`,
    `${c.differences.length} setup difference${c.differences.length === 1 ? '' : 's'}`,
    changed.length ? `${changed.length} of ${c.entities.length} entities changed differently (${changed.map((e) => e.entity).join(', ')})` : `every entity changed at the same times`,
    migrations,
  ];
  return `compared: ${parts.join('; ')}`;
}

/** The terminal's account of a comparison, ending with one `compared: …` line. */
export function formatComparison(c: Comparison): string[] {
  const out: string[] = [];
  if (!c.sameExperiment) {
    out.push(`note: these are runs of different experiments (A ${c.a.experiment}, B ${c.b.experiment}): what they did differs by design, not only by what changed between them`);
  }
  out.push(runLine('A', c.a), runLine('B', c.b), '');
  out.push('verdicts:');
  out.push(...table([['A', c.a.verdict, `— ${c.a.reason}`], ['B', c.b.verdict, `— ${c.b.reason}`]]));
  out.push('');
  if (c.differences.length) {
    out.push('set up differently:');
    out.push(...table([['', 'A', 'B'], ...c.differences.map((d) => [d.what, d.a, d.b])]));
  } else {
    out.push('set up the same: experiment, target, seed, defects, --set, cluster and every setting');
  }
  out.push('');
  out.push(...entityLines(c.entities));
  out.push('');
  if (c.migrations) {
    out.push('live migrations:');
    out.push(...table([['', 'A', 'B', 'B − A'], ...c.migrations.map((m) => [m.what, migrationCell(m, m.a), migrationCell(m, m.b), migrationDelta(m)])]));
  } else {
    out.push('live migrations: none in either run');
  }
  out.push(conclusion(c));
  return out;
}

/** `0 vs 0 changes of state, 100 vs 100 moves between nodes`: what a busy entity did, counted. */
export function manyChanges(many: NonNullable<EntityComparison['many']>): string {
  const moves = many.moves[0] || many.moves[1] ? `, ${many.moves[0]} vs ${many.moves[1]} moves between nodes` : '';
  return `${many.transitions[0]} vs ${many.transitions[1]} changes of state${moves}`;
}

function entityLines(entities: EntityComparison[]): string[] {
  const changed = entities.filter((e) => e.changed);
  const same = entities.filter((e) => !e.changed);
  const out: string[] = [];
  if (changed.length) {
    out.push("transitions that differ (when each was first observed, on each run's clock; and how long the state it left had lasted):");
    const rows: string[][] = [['', 'A', 'B', 'B − A', '']];
    for (const e of changed) {
      rows.push([e.entity]);
      if (e.many) {
        rows.push([`  ${manyChanges(e.many)}; time in each state:`]);
        for (const s of e.many.states) rows.push([`    ${s.state}`, span(s.a), span(s.b), delta(s.a, s.b)]);
        continue;
      }
      for (const r of e.rows) rows.push([`  ${transitionName(r)}`, ...transitionCells(r)]);
    }
    out.push(...table(rows));
  } else {
    out.push('transitions: every node and VM changed state the same way at the same times in both runs');
  }
  const quiet = same.filter((e) => e.rows.length === 0 && !e.many).map((e) => e.entity);
  const alike = same.filter((e) => e.rows.length > 0 || e.many).map((e) => e.entity);
  if (changed.length && alike.length) out.push(`the same in both: ${alike.join(', ')}`);
  if (changed.length && quiet.length) out.push(`no change of state in either: ${quiet.join(', ')}`);
  return out;
}
