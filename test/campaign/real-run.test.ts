/**
 * Real clusters in a campaign: a run is `clusterchaos run --target powershell` in a child process, its undo journal
 * mirrored as it grows, and a dead worker's run is taken over from that journal. Through the rehearsal lab (real
 * PowerShell 7, stand-in commands backed by the simulated cluster): about a minute (two on a busy machine).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeRealRun, revertAnswer, takeOver } from '../../src/campaign/real-run.js';
import type { RunSpec } from '../../src/campaign/types.js';
import { cli, ROOT } from '../helpers/cli.js';
import { LAB_FIXTURES } from '../powershell/lab-target.js';

const ALLOWLIST = join(ROOT, 'clusterchaos-allowlist.rehearsal.yaml');

function spec(file: string, o: { seed?: number; defect?: string | null; cluster?: string } = {}): RunSpec {
  const experiment = file.replace(/\.yaml$/, '');
  const defect = o.defect ?? null;
  const cluster = o.cluster ?? 'HVCLUSTER01';
  return {
    campaign: 'lab',
    index: 0,
    key: `${experiment}/${defect ?? 'none'}/-/${cluster}/seed-${o.seed ?? 1}`,
    file: join(LAB_FIXTURES, file),
    experiment,
    seed: o.seed ?? 1,
    defect,
    sets: [],
    cell: {},
    target: { kind: 'powershell', cluster, rehearse: true },
  };
}

const linesOf = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');

describe('real clusters in a campaign (src/campaign/real-run.ts, through the rehearsal lab)', function () {
  this.timeout(180_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'clusterchaos-real-run-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  describe('a run with a defect the checker catches', () => {
    const failing = spec('kill.yaml', { seed: 3, defect: 'no-isolation' });
    let out: string;
    let result: Awaited<ReturnType<typeof executeRealRun>>;
    const mirrored: { line: string; runEnded: boolean }[] = [];

    before(async () => {
      out = join(tmp, 'kill-no-isolation');
      result = await executeRealRun(failing, { outDir: out, allowlist: ALLOWLIST, onJournal: (line) => mirrored.push({ line, runEnded: existsSync(join(out, 'summary.json')) }) });
    });

    it('gives the verdict, reason and exit code `clusterchaos run … --target powershell --rehearse --yes` gives', () => {
      const direct = cli(['run', failing.file, '--target', 'powershell', '--rehearse', '--yes', '--allowlist', ALLOWLIST, '--seed', '3', '--defect', 'no-isolation', '--out', join(tmp, 'direct')]);
      expect(direct.code, direct.stderr).to.equal(1);
      expect(direct.lastLine).to.match(/^verdict: fail — /);
      expect(result).to.deep.equal({ verdict: 'fail', reason: direct.lastLine.replace(/^verdict: fail — /, ''), exitCode: 1 });
    });

    it('mirrors the trace header, then every line of the undo journal once, in order, as the run writes them', () => {
      const lines = mirrored.map((m) => m.line);
      expect(lines[0]).to.equal(linesOf(join(out, 'trace.ndjson'))[0]);
      expect(lines.slice(1)).to.deep.equal(linesOf(join(out, 'undo.ndjson')));
      expect(lines.slice(1).map((l) => (JSON.parse(l) as { type: string }).type)).to.deep.equal(['revert', 'revert', 'done', 'done']);
      // the reverts owed were mirrored while the run was still going, not read back at its end
      expect(mirrored.slice(0, 3).map((m) => m.runEnded)).to.deep.equal([false, false, false]);
    });

    it('takes over a run whose worker died mid-run: writes its journal back and runs clusterchaos revert on it', async () => {
      // cut as a SIGKILL after the kill's revert was registered leaves it: header, restore settings, kill-clussvc N2
      const cut = mirrored.slice(0, 3).map((m) => m.line);
      // the dead worker named the experiment by its own path, on its own machine
      const dead = JSON.parse(cut[0]!) as { invocation: { file: string } };
      cut[0] = JSON.stringify({ ...dead, invocation: { ...dead.invocation, file: '/on/the/dead/worker/kill.yaml' } });
      const dir = join(tmp, 'taken-over');
      const taken = await takeOver(failing, { outDir: dir, journal: cut, allowlist: ALLOWLIST });
      expect(linesOf(join(dir, 'undo.ndjson'))).to.deep.equal(cut.slice(1));
      const header = JSON.parse(linesOf(join(dir, 'trace.ndjson'))[0]!) as { runId: string; invocation: { file: string } };
      expect(header.runId).to.equal((JSON.parse(cut[0]!) as { runId: string }).runId);
      expect(header.invocation.file).to.equal(failing.file);
      expect(taken.verdict).to.equal('unknown');
      expect(taken.reason).to.include('the worker running this run died; its journal owed kill-clussvc N2; restore cluster settings');
      // a rehearsal's lab lived in the dead worker: clusterchaos revert itself says there is nothing left to revert
      expect(taken.reason).to.include('that run was a rehearsal; its lab ended with it, so there is nothing to revert');
      expect(taken).to.include({ reverted: true, residueClean: true });
    });
  });

  it('stops a run on the signal as Ctrl-C does: the run reverts every fault it injected and ends unknown', async () => {
    const out = join(tmp, 'kill-long');
    const stop = new AbortController();
    const lines: string[] = [];
    const result = await executeRealRun(spec('kill-long.yaml'), {
      outDir: out,
      allowlist: ALLOWLIST,
      signal: stop.signal,
      onJournal: (line) => {
        lines.push(line);
        // the kill is journaled before it is injected; the run would then watch for an hour
        if (line.includes('"fault":"kill-clussvc"')) stop.abort('Ctrl-C');
      },
    });
    expect(result.verdict).to.equal('unknown');
    expect(result.exitCode).to.equal(3);
    const journal = lines.slice(1).map((l) => JSON.parse(l) as { type: string; id: number; outcome?: string });
    const registered = journal.filter((l) => l.type === 'revert').map((l) => l.id);
    expect(registered).to.have.length(2);
    expect(journal.filter((l) => l.type === 'done' && l.outcome === 'ok').map((l) => l.id)).to.have.members(registered);
    expect(linesOf(join(out, 'trace.ndjson')).at(-1)).to.include('"type":"footer"');
  });

  it('stops the run when its worker is killed outright (SIGKILL): the run does not go on alone, it reverts by itself', async () => {
    const out = join(tmp, 'worker-killed');
    // a worker: executeRealRun in its own process, printing each mirrored line
    const script = `const { executeRealRun } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'campaign', 'real-run.ts')).href)});
      await executeRealRun(JSON.parse(process.argv[1]), { outDir: process.argv[2], allowlist: process.argv[3], onJournal: (line) => console.log(line) });`;
    const worker = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(spec('kill-long.yaml')), out, ALLOWLIST], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => worker.on('exit', (_code, signal) => resolve(signal)));
    for await (const line of createInterface({ input: worker.stdout })) {
      if (!line.includes('"fault":"kill-clussvc"')) continue;
      worker.kill('SIGKILL');
      break;
    }
    expect(await exited).to.equal('SIGKILL');
    // the run (an hour's watch) ends on its own once its worker is gone: its folder lock is given back last
    const deadline = Date.now() + 120_000;
    while (existsSync(join(out, '.clusterchaos.lock'))) {
      if (Date.now() > deadline) throw new Error(`the run in ${out} was still going 120 s after its worker was killed`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const journal = linesOf(join(out, 'undo.ndjson')).map((l) => JSON.parse(l) as { type: string; id: number; outcome?: string });
    const registered = journal.filter((l) => l.type === 'revert').map((l) => l.id);
    expect(registered).to.have.length(2);
    expect(journal.filter((l) => l.type === 'done' && l.outcome === 'ok').map((l) => l.id)).to.have.members(registered);
    const footer = JSON.parse(linesOf(join(out, 'trace.ndjson')).at(-1)!) as { type: string; verdict: string };
    expect(footer).to.include({ type: 'footer', verdict: 'unknown' });
  });

  it('refuses a run on a cluster the allowlist does not name: unknown with the refusal, nothing run', async () => {
    const allowlist = join(tmp, 'other-cluster.yaml');
    writeFileSync(allowlist, 'clusters:\n  - name: HVCLUSTER02\n    faults: [kill-clussvc]\n    max-impaired-nodes: 1\n');
    const out = join(tmp, 'refused');
    const lines: string[] = [];
    const result = await executeRealRun(spec('kill.yaml'), { outDir: out, allowlist, onJournal: (l) => lines.push(l) });
    expect(result.verdict).to.equal('unknown');
    expect(result.exitCode).to.equal(2);
    expect(result.reason).to.include("an entry for the experiment's cluster HVCLUSTER01");
    expect(result.reason).to.include('entries for HVCLUSTER02 only');
    expect(lines).to.deep.equal([]);
    expect(existsSync(out)).to.equal(false);
  });

  it("refuses a target whose cluster is not the experiment's cluster.name, before starting anything", async () => {
    const out = join(tmp, 'wrong-cluster');
    const result = await executeRealRun(spec('kill.yaml', { cluster: 'HVCLUSTER02' }), { outDir: out, allowlist: ALLOWLIST, onJournal: () => expect.fail('nothing should run') });
    expect(result).to.include({ verdict: 'unknown', exitCode: 2 });
    expect(result.reason).to.include('cluster.name is HVCLUSTER01, but the campaign targets the cluster HVCLUSTER02 with it');
    expect(existsSync(out)).to.equal(false);
  });

  describe("reading clusterchaos revert's answer on a real cluster", () => {
    it('reverts done and a clean residue scan: reverted, clean', () => {
      const stdout = [
        'revert: 2 reverts of run 1b2c on HVCLUSTER01 did not run: kill-clussvc N2; restore cluster settings',
        '  ok    kill-clussvc N2',
        '  ok    restore cluster settings',
        'residue: clean (nodes Up and not Paused, no clusterchaos firewall rules or tasks, settings restored)',
        'revert: done — the cluster is as it was before the run',
      ].join('\n');
      const a = revertAnswer(0, stdout, '');
      expect(a).to.include({ reverted: true, residueClean: true });
      expect(a.said).to.equal('ok kill-clussvc N2; ok restore cluster settings; residue: clean (nodes Up and not Paused, no clusterchaos firewall rules or tasks, settings restored) (revert: done — the cluster is as it was before the run)');
    });

    it('nothing owed, and the residue scan clean (revert still reads the cluster): reverted, clean', () => {
      const stdout = [
        'revert: nothing to revert — every revert in /w/undo.ndjson ran; a residue scan (read-only) says whether the cluster is as it was before the run',
        'residue: clean (nodes Up and not Paused, no clusterchaos firewall rules or tasks, settings restored)',
        'revert: done — the cluster is as it was before the run',
      ].join('\n');
      expect(revertAnswer(0, stdout, '')).to.include({ reverted: true, residueClean: true });
    });

    it('a revert that failed and residue found: neither, each named', () => {
      const stdout = [
        '  FAIL  isolate-network N3: N3 could not be reached',
        'residue: 1 finding — the cluster is not as it was:',
        '  N3: firewall rule clusterchaos-1b2c-block is still there',
        'revert: unknown — 1 revert(s) failed; check the cluster by hand',
      ].join('\n');
      const a = revertAnswer(3, stdout, '');
      expect(a).to.include({ reverted: false, residueClean: false });
      expect(a.said).to.include('FAIL isolate-network N3: N3 could not be reached');
      expect(a.said).to.include('N3: firewall rule clusterchaos-1b2c-block is still there');
    });

    it('a refusal (the allowlist of this worker): not reverted, the refusal said', () => {
      const a = revertAnswer(2, 'revert: not run — bad input, nothing was done to any cluster\n', 'allowlist.yaml:1 clusters: expected an entry for HVCLUSTER01\n');
      expect(a).to.include({ reverted: false, residueClean: false });
      expect(a.said).to.include('expected an entry for HVCLUSTER01');
    });
  });
});
