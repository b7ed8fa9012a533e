import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { settingDefinitions } from '../../machines/index.js';
import { runExperiment } from '../../src/run/run-experiment.js';
import { MATRIX_SOAK_ITERATIONS } from '../../src/docs/matrix.js';
import { listExperiments, loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';
import { ROOT } from '../helpers/cli.js';
import { BIN } from '../helpers/build.js';

/**
 * The whole catalogue, rehearsed: every experiment in experiments/, without defects and with each defect the
 * detection matrix (docs/detection-matrix.md) says it catches, run as a user runs it —
 * `clusterchaos run <experiment> --target powershell --rehearse [--defect <d>]`, the real PowerShell target in
 * real PowerShell 7 against the rehearsal lab — must end with the verdict the simulator gives
 * (`--target sim`) and, when it fails, on the same rule and entity first.
 *
 * Two experiments cannot run on a real cluster at all, and the rehearsal refuses them exactly as a real run
 * would (exit 2, nothing started): live-migration-soak describes 2008 R2 hosts (review B4), and quarantine-cap
 * crashes more nodes than the quarantine cap, which the guard refuses on any real cluster.
 *
 * Runs go two (or as many as there are cores) at a time; each takes 10–60 s of wall time for minutes of the
 * lab's virtual time. Soaks are capped at the matrix's MATRIX_SOAK_ITERATIONS.
 */
const ALLOWLIST = join(ROOT, 'clusterchaos-allowlist.rehearsal.yaml');
/**
 * The catalogue's only soak is refused (2008 R2), so a short soak on a 2016+ cluster stands in for it: the
 * soak's loop, its anomaly events read at each iteration's end and its first-anomaly stop, through PowerShell.
 */
const SOAK = { name: 'short-soak', file: join(ROOT, 'test/rehearsal/fixtures/experiments/short-soak.yaml'), defects: ['long-blackout', 'owner-not-moved', 'missing-shared-storage-path'] };
const REFUSED: Record<string, RegExp> = {
  'live-migration-soak': /cluster\.hostVersion is 2008R2, but --target powershell drives Windows Server 2016 and later/,
  'quarantine-cap': /expected at most 1 node reaching QuarantineThreshold/,
};

/**
 * What the PowerShell target cannot see the way the simulator target does, and so a real run would not either:
 * the simulator's value of a migration or a drain carries what its engine did (each pre-copy pass, when each of
 * a drain's migrations started, in which phase one failed and towards which node); a real cluster's cmdlets
 * report none of it. These cells give the rehearsal's own verdict, checked here so that a change is seen.
 */
const UNSEEN: Record<string, { verdict: string; why: string }> = {
  'busy-vm-migration/pass-limit-ignored': { verdict: 'pass', why: 'how many pre-copy passes a live migration made: no cmdlet or documented event reports it' },
  'drain-host/migration-limit-ignored': {
    verdict: 'pass',
    why: 'when each of a drain\'s migrations started: Suspend-ClusterNode -Drain -Wait returns once, when the drain is over',
  },
  'parallel-migrations/migration-limit-ignored': {
    verdict: 'pass',
    why: 'when each of two live migrations to one host started: Move-ClusterVirtualMachineRole returns when its migration is over, and one queued behind MaximumVirtualMachineMigrations is in flight for the cmdlet as one running',
  },
  'drain-host/missing-shared-storage-path': {
    verdict: 'pass',
    why: "which of a drain's migrations failed, in which phase, towards which node: Suspend-ClusterNode reports only DrainStatus Failed, and the checker ignores a fault that failed",
  },
  'power-loss/dead-vm-reported-running': {
    verdict: 'pass',
    why: "a dead host's VMs reported Running: a VM's state is read with Get-VM on its owner, which cannot be asked while the host is powered off (the poll says Unknown, as the model's Unreadable expects), so the lie cannot reach a poll through PowerShell",
  },
};

interface Outcome {
  verdict: string;
  first?: { rule: string; entity: string };
  reason: string;
  /** A soak: the iteration it stopped at. */
  stoppedAt?: number;
}

/** The cells of docs/detection-matrix.md: experiment → the defects it catches. */
function caughtCells(): Map<string, string[]> {
  const lines = readFileSync(join(ROOT, 'docs/detection-matrix.md'), 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith('| defect |'));
  const experiments = lines[at]!.split('|').slice(3, -1).map((c) => c.trim().replaceAll('`', ''));
  const cells = new Map<string, string[]>(experiments.map((e) => [e, []]));
  // the matrix's own rows only: the table ends at its first blank line (a later table has rows of its own)
  const end = lines.findIndex((l, i) => i > at && l.trim() === '');
  for (const line of lines.slice(at, end).filter((l) => l.startsWith('| `'))) {
    const parts = line.split('|').slice(1, -1).map((c) => c.trim());
    const defect = parts[0]!.replaceAll('`', '');
    parts.slice(2).forEach((v, i) => {
      if (v === 'caught') cells.get(experiments[i]!)!.push(defect);
    });
  }
  return cells;
}

/**
 * Which caught cells to rehearse. Every one (CLUSTERCHAOS_REHEARSE=all, `npm run test:rehearsal:all`, about an hour
 * on 2 cores), or by default: each defect once, with the first experiment of the catalogue that catches it and
 * that a rehearsal can see it in (an UNSEEN cell only when no other catches it), plus every UNSEEN cell, whose
 * verdict is asserted for what it says about real clusters. With every experiment also rehearsed without
 * defects, each experiment, each fault and each defect goes through real PowerShell in `npm test`, in a third of
 * the time the whole cross product takes (it grew past CI's budget with issue 14's experiments).
 */
export function cellsToRehearse(cells: Map<string, string[]>, unseen: ReadonlySet<string>, refused: ReadonlySet<string>, all: boolean): Map<string, string[]> {
  if (all) return cells;
  const chosen = new Map<string, string[]>([...cells.keys()].map((e) => [e, []]));
  const first = new Map<string, string>();
  for (const [experiment, defects] of cells) {
    if (refused.has(experiment)) continue;
    for (const defect of defects) {
      const seen = !unseen.has(`${experiment}/${defect}`);
      const had = first.get(defect);
      if (had === undefined || (seen && unseen.has(`${had}/${defect}`))) first.set(defect, experiment);
    }
  }
  for (const [defect, experiment] of first) chosen.get(experiment)!.push(defect);
  for (const key of unseen) {
    const [experiment, defect] = key.split('/') as [string, string];
    if (cells.get(experiment)?.includes(defect) && !chosen.get(experiment)!.includes(defect)) chosen.get(experiment)!.push(defect);
  }
  // in the matrix's order, as before
  for (const [experiment, defects] of chosen) defects.sort((a, b) => cells.get(experiment)!.indexOf(a) - cells.get(experiment)!.indexOf(b));
  return chosen;
}

/** A soak longer than the matrix's cap is run to the cap, as the detection matrix runs it. */
function setsFor(file: string): string[] {
  const iterations = Number(/^iterations:\s*(\d+)/m.exec(readFileSync(file, 'utf8'))?.[1] ?? 0);
  return iterations > MATRIX_SOAK_ITERATIONS ? [`iterations=${MATRIX_SOAK_ITERATIONS}`] : [];
}

/** The simulator's verdict, in-process. */
async function onSimulator(file: string, defect: string | undefined): Promise<Outcome> {
  const experiment = loadExperiment(file, { settings: settingDefinitions, faults, sets: setsFor(file) });
  const run = await runExperiment({
    experiment,
    outDir: mkdtempSync(join(tmpdir(), 'clusterchaos-cat-sim-')),
    defects: defect ? [defect] : [],
    replay: '',
    log: pino({ level: 'silent' }),
  });
  const v = run.result.violations[0];
  const stoppedAt = run.outcome.soak?.stoppedAt;
  return { verdict: run.result.verdict, reason: run.result.reason, ...(v ? { first: { rule: v.rule, entity: v.entity } } : {}), ...(stoppedAt !== undefined ? { stoppedAt } : {}) };
}

/** The rehearsal's outcome: the CLI as a user runs it, its summary.json. */
function rehearse(file: string, defect: string | undefined): Promise<Outcome & { code: number | null; stderr: string; wallMs: number }> {
  const out = mkdtempSync(join(tmpdir(), 'clusterchaos-cat-rh-'));
  const args = ['run', file, '--target', 'powershell', '--rehearse', '--yes', '--allowlist', ALLOWLIST, '--out', join(out, 'run'), ...setsFor(file).flatMap((s) => ['--set', s]), ...(defect ? ['--defect', defect] : [])];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const wallMs = Date.now() - started;
      let summary: { verdict: string; reason: string; violations: { rule: string; entity: string }[]; run?: { soak?: { stoppedAt?: number } } } | undefined;
      try {
        summary = JSON.parse(readFileSync(join(out, 'run', 'summary.json'), 'utf8'));
      } catch {
        summary = undefined;
      }
      const last = stdout.trimEnd().split('\n').at(-1) ?? '';
      if (!summary) return resolve({ verdict: `exit ${code}`, reason: last, code, stderr, wallMs });
      const v = summary.violations[0];
      const stoppedAt = summary.run?.soak?.stoppedAt;
      resolve({ verdict: summary.verdict, reason: summary.reason, code, stderr, wallMs, ...(v ? { first: { rule: v.rule, entity: v.entity } } : {}), ...(stoppedAt !== undefined ? { stoppedAt } : {}) });
    });
  });
}

/** At most `n` at once, in the order asked. */
function pool(n: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running >= n) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

describe('the catalogue rehearsed in real PowerShell: every experiment and the defects it catches give the simulator\'s verdict', function () {
  this.timeout(3_600_000);
  const matrix = caughtCells();
  const cells = cellsToRehearse(matrix, new Set(Object.keys(UNSEEN)), new Set(Object.keys(REFUSED)), process.env.CLUSTERCHAOS_REHEARSE === 'all');
  const experiments = listExperiments(join(ROOT, 'experiments'));
  const runs = [
    ...experiments.filter((e) => !REFUSED[e.name]).map((e) => ({ name: e.name, file: e.file, defects: cells.get(e.name) ?? [] })),
    SOAK,
  ];
  const slot = pool(Math.max(2, Math.min(3, availableParallelism())));
  const started = new Map<string, ReturnType<typeof rehearse>>();
  const key = (experiment: string, defect: string | undefined): string => `${experiment}/${defect ?? ''}`;

  before(() => {
    // every rehearsal starts now, a few at a time; each test waits for its own
    for (const e of runs) for (const defect of [undefined, ...e.defects]) started.set(key(e.name, defect), slot(() => rehearse(e.file, defect)));
  });

  it('knows every experiment of the catalogue and the matrix', () => {
    expect([...matrix.keys()].sort()).to.deep.equal(experiments.map((e) => e.name).sort());
  });

  it('rehearses every defect the matrix catches, at least once', () => {
    const caught = new Set([...matrix.entries()].filter(([e]) => !REFUSED[e]).flatMap(([, d]) => d));
    const rehearsed = new Set([...cells.entries()].filter(([e]) => !REFUSED[e]).flatMap(([, d]) => d));
    expect([...caught].filter((d) => !rehearsed.has(d))).to.deep.equal([]);
  });

  for (const [name, refusal] of Object.entries(REFUSED)) {
    it(`${name} is refused before anything runs, as on a real cluster (exit 2)`, async () => {
      const r = await rehearse(join(ROOT, 'experiments', `${name}.yaml`), undefined);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(refusal);
      expect(r.stderr).to.not.include('PowerShell session started');
    });
  }

  for (const e of runs) {
    for (const defect of [undefined, ...e.defects]) {
      const unseen = UNSEEN[`${e.name}/${defect}`];
      if (unseen) {
        it(`${e.name} --defect ${defect}: the simulator fails, the rehearsal says ${unseen.verdict}: a real cluster does not show ${unseen.why}`, async () => {
          const sim = await onSimulator(e.file, defect);
          const rh = await started.get(key(e.name, defect))!;
          expect(sim.verdict).to.equal('fail');
          expect(rh.verdict, `rehearsal: ${rh.reason}`).to.equal(unseen.verdict);
        });
        continue;
      }
      it(`${e.name}${defect ? ` --defect ${defect}` : ''}: the same verdict${defect ? ', on the same rule and entity' : ''}`, async () => {
        const sim = await onSimulator(e.file, defect);
        const rh = await started.get(key(e.name, defect))!;
        expect(rh.verdict, `rehearsal: ${rh.reason}\n${rh.stderr.slice(-2000)}`).to.equal(sim.verdict);
        expect(rh.first, `rehearsal: ${rh.reason}; simulator: ${sim.reason}`).to.deep.equal(sim.first);
        expect(rh.stoppedAt, 'a soak stops at the same iteration').to.equal(sim.stoppedAt);
        if (defect === undefined) expect(sim.verdict).to.equal('pass');
        else expect(sim.verdict).to.equal('fail');
      });
    }
  }
});
