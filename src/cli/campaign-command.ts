/**
 * `clusterchaos campaign <file>`: the campaign's runs on a local pool of worker processes (default), in this
 * process (`--workers 0`) or through a BullMQ queue (`--queue redis://…`, taken by `clusterchaos worker`s), then
 * campaign.json, junit.xml, report.html and a short table; the last line is the campaign's verdict.
 */
import { availableParallelism } from 'node:os';
import cliProgress from 'cli-progress';
import type { Logger } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { CampaignError, expandCampaign, loadCampaign, parseSeeds } from '../campaign/load.js';
import { pruneRunFolders } from '../campaign/execute.js';
import { runOnPool } from '../campaign/pool.js';
import { campaignVerdict, missedDefects, targetName, writeCampaignResults } from '../campaign/results.js';
import { median, seconds, writeCampaignReport } from '../campaign/report.js';
import type { Campaign, CampaignResult, RunRecord, RunSpec } from '../campaign/types.js';
import { loadExperiment } from '../experiment/load.js';
import { faults } from '../faults/catalogue.js';
import { confirmChanges, NotConfirmedError, planSummary, refuseUnattended } from './confirm.js';
import { onStopSignals } from './interrupt.js';
import { createLogger, stderr, type LogFormat, type Stderr } from './log.js';
import { EXIT, EXIT_USAGE, type Io } from './main.js';
import { abandon, prepareOutDir, UsageError, type FolderLock } from './out-dir.js';
import { PROGRESS_LINE_EVERY_MS } from './progress.js';

export interface CampaignFlags {
  workers?: number;
  queue?: string;
  seeds?: string;
  out?: string;
  allowlist?: string;
  yes?: boolean;
  logFormat: LogFormat;
}

export async function campaignCommand(file: string, flags: CampaignFlags, io: Io, commandLine: string): Promise<number> {
  const held: { lock?: FolderLock } = {};
  try {
    return await campaignHolding(file, flags, io, commandLine, held);
  } finally {
    if (held.lock) abandon(held.lock);
  }
}

async function campaignHolding(file: string, flags: CampaignFlags, io: Io, commandLine: string, held: { lock?: FolderLock }): Promise<number> {
  const badInput = (message: string): number => {
    io.err(message);
    io.out('verdict: unknown — bad input, nothing was run');
    return EXIT_USAGE;
  };
  let campaign: Campaign;
  let specs: RunSpec[];
  try {
    const seeds = flags.seeds !== undefined ? parseSeeds(flags.seeds) : undefined;
    campaign = loadCampaign(file, seeds ? { seeds } : {});
    specs = expandCampaign(campaign);
  } catch (e) {
    if (e instanceof CampaignError || (flags.seeds !== undefined && (e as Error)?.message?.startsWith('--seeds'))) return badInput((e as Error).message);
    if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') return badInput(`${file}: no such campaign file; give a campaign's YAML, e.g. experiments/campaigns/detection-matrix.yaml`);
    throw e;
  }
  if (flags.queue !== undefined) {
    const { parseRedisUrl } = await import('../campaign/queue.js');
    try {
      parseRedisUrl(flags.queue);
    } catch (e) {
      return badInput(`--queue ${flags.queue}: ${(e as Error).message}`);
    }
  }

  // a real cluster: refused now if the pool could not be allowed to touch it, asked once before the first change
  const real = specs.filter((s) => s.target.kind === 'powershell');
  const allowlist = flags.allowlist ?? process.env.CLUSTERCHAOS_ALLOWLIST;
  if (real.length) {
    if (flags.queue === undefined) {
      if (allowlist === undefined) {
        return badInput(
          `${file}: the campaign targets the cluster ${targetName(real[0]!.target)}; runs on a real cluster from the local pool need --allowlist FILE naming it (a queue's workers have their own). Nothing was done to any cluster.`,
        );
      }
      const { refusalOf } = await import('../campaign/real-run.js');
      const seen = new Set<string>();
      for (const spec of real) {
        const once = JSON.stringify([spec.file, spec.sets, targetName(spec.target)]);
        if (seen.has(once)) continue;
        seen.add(once);
        const refused = refusalOf(spec, allowlist);
        if (refused) return badInput(`${refused}\nThe campaign was refused: nothing was done to any cluster.`);
      }
    }
    try {
      refuseUnattended({ yes: flags.yes === true }, `the campaign ${campaign.name}`);
    } catch (e) {
      if (e instanceof UsageError) return badInput(e.message);
      throw e;
    }
  }

  try {
    held.lock = prepareOutDir(flags.out, `campaign-${campaign.name}`, commandLine);
  } catch (e) {
    if (e instanceof UsageError) return badInput(e.message);
    throw e;
  }
  const outDir = held.lock.dir;

  if (real.length) {
    try {
      await confirmChanges(realPlan(campaign, real), { yes: flags.yes === true }, `the campaign ${campaign.name}`);
    } catch (e) {
      if (e instanceof NotConfirmedError) {
        io.err(e.message);
        io.out('verdict: unknown — not confirmed, nothing was done to any cluster');
        return EXIT.unknown;
      }
      if (e instanceof UsageError) return badInput(e.message);
      throw e;
    }
  }

  const log = createLogger(flags.logFormat);
  const workers = flags.workers ?? availableParallelism();
  const via: CampaignResult['via'] = flags.queue !== undefined ? { kind: 'queue', queue: (await import('../campaign/queue.js')).shownUrl(flags.queue) } : workers === 0 ? { kind: 'process' } : { kind: 'pool', workers };
  const where = via.kind === 'queue' ? `through the queue ${via.queue}` : via.kind === 'process' ? 'in this process' : `on a local pool of ${workers} worker processes`;
  log.info(`campaign ${campaign.name}: ${specs.length} runs ${where}; results in ${outDir}`);

  const ctrlC = onStopSignals(log, {
    first: (name) => `${name}: no new run is started; waiting for the runs in progress, then writing the results (the runs are not cut short)`,
    again: (name) => `${name} again: still waiting for the runs in progress; the results are written when they end`,
  });
  const progress = campaignProgress(specs.length, log);
  const startedAt = new Date().toISOString();
  let ran: { records: RunRecord[]; stopped?: string };
  try {
    const common = { outRoot: outDir, keep: campaign.keep, stopOn: campaign.stopOn, onRecord: (r: RunRecord) => progress.record(r), signal: ctrlC.signal };
    if (flags.queue !== undefined) {
      const { runOnQueue } = await import('../campaign/queue.js');
      ran = await runOnQueue(specs, { ...common, url: flags.queue, onWarning: (m: string) => log.warn(m) });
    } else {
      ran = await runOnPool(specs, { ...common, workers, ...(allowlist !== undefined ? { allowlist } : {}) });
    }
  } finally {
    progress.stop();
    ctrlC.dispose();
  }
  const finishedAt = new Date().toISOString();
  pruneRunFolders(outDir);

  let { verdict, reason } = campaignVerdict(campaign, ran.records);
  const interrupted = ctrlC.signal.aborted;
  if (interrupted) {
    // stopped by the user: whatever ran, the campaign's answer is not known (exit 3)
    reason = `${ran.stopped ?? 'stopped'}; ${ran.records.length} of ${specs.length} runs ran${verdict === 'fail' ? `; so far: ${reason}` : ''}`;
    verdict = 'unknown';
  }
  const result: CampaignResult = {
    format: 1,
    campaign,
    via,
    startedAt,
    finishedAt,
    ...(ran.stopped !== undefined ? { stopped: ran.stopped } : {}),
    planned: specs.length,
    runs: ran.records,
    verdict,
    reason,
  };
  writeCampaignResults(outDir, result);
  writeCampaignReport(outDir, result);

  for (const line of campaignTable(campaign, ran.records)) io.out(line);
  if (ran.stopped !== undefined) io.out(`stopped: ${ran.stopped}`);
  io.out(`results in ${outDir}/: campaign.json, junit.xml, report.html (open report.html in a browser)`);
  io.out(`verdict: ${verdict} — ${reason}`);
  return EXIT[verdict];
}

/** The plan the question shows: the clusters, how many runs each, and each experiment's faults and how they are undone. */
function realPlan(campaign: Campaign, real: RunSpec[]): string[] {
  const rehearsed = real.every((s) => s.target.kind === 'powershell' && s.target.rehearse === true);
  const lines: string[] = [
    rehearsed
      ? `the campaign ${campaign.name} makes ${real.length} runs through PowerShell in the rehearsal lab (nothing real is touched):`
      : `the campaign ${campaign.name} makes ${real.length} runs through PowerShell, on real clusters one run at a time per cluster:`,
  ];
  const byCluster = new Map<string, RunSpec[]>();
  for (const s of real) byCluster.set(targetName(s.target), [...(byCluster.get(targetName(s.target)) ?? []), s]);
  for (const [cluster, runs] of byCluster) {
    const seen = new Set<string>();
    const experiments = runs.filter((s) => !seen.has(s.file + s.sets.join()) && seen.add(s.file + s.sets.join())).map((s) => loadExperiment(s.file, { sets: s.sets, seed: s.seed, settings: settingDefinitions, faults }));
    const rehearse = runs[0]!.target.kind === 'powershell' && runs[0]!.target.rehearse === true;
    lines.push(...planSummary(experiments, { where: rehearse ? 'in the rehearsal lab (nothing real is touched)' : 'through PowerShell', heading: `${cluster}: ${runs.length} runs` }));
  }
  return lines;
}

/**
 * One row per experiment × defect column: how its runs ended (for a defect, `fail` is the defect caught). A
 * matrix longer than a screen gets one row per defect column instead: by how many experiments it was caught, on
 * how many seeds. Then each missed defect with its seeds.
 */
export function campaignTable(c: Campaign, runs: RunRecord[]): string[] {
  const count = (rs: RunRecord[], v: string): number => rs.filter((r) => r.verdict === v).length;
  const table = (head: string[], rows: string[][]): string[] => {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]): string => cells.map((x, i) => (i < 2 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ').trimEnd();
    return [line(head), ...rows.map(line)];
  };
  const out: string[] = [];
  const cells = c.experiments.length * c.defects.length;
  if (cells <= 40) {
    const rows: string[][] = [];
    for (const e of c.experiments) {
      for (const d of c.defects) {
        const mine = runs.filter((r) => r.spec.experiment === e.name && r.spec.defect === d);
        if (mine.length) rows.push([e.name, d ?? '(none)', String(mine.length), String(count(mine, 'pass')), String(count(mine, 'fail')), String(count(mine, 'unknown'))]);
      }
    }
    if (rows.length) out.push(...table(['experiment', 'defect', 'runs', 'pass', 'fail', 'unknown'], rows));
  } else {
    const rows: string[][] = [];
    for (const d of c.defects) {
      const mine = runs.filter((r) => r.spec.defect === d);
      if (!mine.length) continue;
      const failed = mine.filter((r) => r.verdict === 'fail');
      const seeds = new Set(mine.map((r) => r.spec.seed)).size;
      const by = new Set(failed.map((r) => r.spec.experiment)).size;
      const caught = d === null ? '' : `by ${by} experiment${by === 1 ? '' : 's'}, on ${new Set(failed.map((r) => r.spec.seed)).size} of ${seeds} seeds`;
      rows.push([d ?? '(none)', caught, String(mine.length), String(count(mine, 'pass')), String(failed.length), String(count(mine, 'unknown'))]);
    }
    if (rows.length) out.push(...table(['defect', 'caught', 'runs', 'pass', 'fail', 'unknown'], rows));
  }
  if (c.grid.length) out.push('', ...gridTable(c, runs, table));
  const missed = new Map<string, number[]>();
  for (const g of missedDefects(c, runs)) {
    const where = [g.defect, ...Object.entries(g.cell).map(([k, v]) => `${k}=${v}`), ...(c.targets.length > 1 ? [targetName(g.target)] : [])].join(' ');
    missed.set(where, [...(missed.get(where) ?? []), ...(g.seed !== null ? [g.seed] : [])]);
  }
  for (const [where, seeds] of missed) out.push(`missed: defect ${where} caught by no experiment on ${seeds.length ? `seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}` : "each experiment's own seed"}`);
  return out;
}

/**
 * The what-if answer, one row per grid cell (per experiment, defect and target when there are several): in how many
 * of its runs VMs failed over, and how long VMs were seen Unmonitored (summed over VMs; median and max over seeds).
 */
function gridTable(c: Campaign, runs: RunRecord[], table: (head: string[], rows: string[][]) => string[]): string[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const who = [r.spec.experiment, r.spec.defect ?? '', c.targets.length > 1 ? targetName(r.spec.target) : ''].filter(Boolean).join(' ');
    const key = JSON.stringify([who, Object.entries(r.spec.cell).map(([k, v]) => `${k.replace(/^.*\./, '')}=${v}`).join(' ')]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  // the figures as report.html gives them
  const rows = [...groups].map(([key, rs]) => {
    const [who, cell] = JSON.parse(key) as [string, string];
    const unmonitored = rs.map((r) => r.metrics.unmonitoredMs);
    const failedOver = rs.filter((r) => r.metrics.vmsFailedOver > 0).length;
    return [who, cell, `${failedOver}/${rs.length}`, seconds(median(unmonitored)), seconds(Math.max(...unmonitored))];
  });
  return table(['runs of', 'grid cell', 'VMs failed over', 'unmonitored (median)', 'max'], rows);
}

/** Runs done / planned, rate, ETA and how many failed or ended unknown so far: a bar on a terminal, a line a minute otherwise. */
export function campaignProgress(total: number, log: Logger, out: Stderr = stderr()): { record(r: RunRecord): void; stop(): void } {
  const started = performance.now();
  let done = 0;
  // a run with a defect that fails is the defect caught, not a failure: the two are counted apart
  let failed = 0;
  let caught = 0;
  let unknown = 0;
  const count = (r: RunRecord): void => {
    if (r.verdict === 'fail') r.spec.defect === null ? failed++ : caught++;
    if (r.verdict === 'unknown') unknown++;
  };
  const rate = (): number => done / Math.max((performance.now() - started) / 1000, 1e-3);
  if (out.isTTY) {
    const bars = new cliProgress.MultiBar(
      {
        stream: out.stream as NodeJS.WritableStream,
        format: 'campaign [{bar}] {value}/{total} runs | failed: {failed} caught: {caught} unknown: {unknown} | {rate}/s | ETA {eta_formatted}',
        barsize: 20,
        etaBuffer: 100,
        fps: 5,
        hideCursor: true,
        linewrap: true,
        forceRedraw: true,
      },
      cliProgress.Presets.shades_classic,
    );
    const bar = bars.create(total, 0, { failed: 0, caught: 0, unknown: 0, rate: '0' });
    const release = out.drawing((line) => {
      bars.log(line);
      bars.update();
    });
    return {
      record(r) {
        done++;
        count(r);
        bar.update(done, { failed, caught, unknown, rate: rate().toFixed(1) });
      },
      stop() {
        release();
        bars.stop();
      },
    };
  }
  const line = (): void => {
    const eta = rate() > 0 ? (total - done) / rate() : 0;
    log.info({ progress: { runs: done, of: total, failed, caught, unknown, etaS: Math.round(eta) } }, `campaign: ${done}/${total} runs, ${rate().toFixed(1)}/s, ETA ${eta.toFixed(0)} s, failed: ${failed}, defects caught: ${caught}, unknown: ${unknown}`);
  };
  const timer = setInterval(line, PROGRESS_LINE_EVERY_MS);
  timer.unref();
  return {
    record(r) {
      done++;
      count(r);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
