import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { settingDefinitions } from '../../machines/index.js';
import { confirmChanges, NotConfirmedError, planSummary, refuseUnattended } from '../../src/cli/confirm.js';
import { UsageError } from '../../src/cli/out-dir.js';
import { acceptancePlan } from '../../src/acceptance/plan.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';
import { cli, ROOT } from '../helpers/cli.js';
import { pwsh, PWSH_ENV } from '../helpers/pwsh.js';
import { changesCluster, rehearse, runClusterchaos, tmp, trapPwsh, type LabCall } from '../helpers/rehearse-cli.js';

/**
 * `--target powershell` asks before its first change: the plan summary, then `Proceed? [y/N]` on the terminal
 * (src/cli/confirm.ts). Through a real pseudo-terminal (util-linux `script`), against the rehearsal lab, whose
 * record says what reached the cluster.
 */
const EXPERIMENT = 'test/rehearsal/fixtures/experiments/short-resiliency.yaml';
const ALLOW = join(tmp(), 'allow.yaml');
writeFileSync(ALLOW, 'clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc, live-migrate]\n');
const RECORDING_MAIN = join(ROOT, 'test/helpers/recording-main.ts');

interface OnTerminal {
  code: number | null;
  /** Everything the terminal showed (stdout and stderr together, as a person sees them). */
  screen: string;
  calls: LabCall[];
  ops: string[];
}

const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * `clusterchaos <args>` on a pseudo-terminal: `keys` are typed once the question shows (undefined: nothing typed;
 * the test then fails on its timeout if the command waits).
 */
function onTerminal(args: string[], keys: string | undefined, extraEnv: Record<string, string> = {}): Promise<OnTerminal> {
  const record = join(tmp(), 'record.ndjson');
  const command = [process.execPath, '--import', 'tsx', RECORDING_MAIN, ...args].map(quote).join(' ');
  const env = { ...process.env, ...PWSH_ENV, CI: '1', CLUSTERCHAOS_PWSH: pwsh(), CLUSTERCHAOS_TEST_RECORD: record, ...extraEnv };
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let typed = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    screen += d;
    if (!typed && keys !== undefined && screen.includes('Proceed? [y/N]')) {
      typed = true;
      child.stdin.write(keys);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (screen += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
      resolve({
        code,
        screen,
        ops: lines.filter((l) => l.type === 'op').map((l) => String(l.op)),
        calls: lines.filter((l) => l.type === 'call') as unknown as LabCall[],
      });
    });
  });
}

describe('Proceed? [y/N] before the first change to a cluster', function () {
  this.timeout(600_000);
  const run = ['run', EXPERIMENT, '--target', 'powershell', '--rehearse', '--allowlist', ALLOW];

  describe('the plan summary', () => {
    const experiment = loadExperiment(join(ROOT, EXPERIMENT), { settings: settingDefinitions, faults });
    const lines = planSummary([experiment], { where: 'through PowerShell' });

    it('names the cluster, its nodes and VMs, the settings it sets, and each step in order with its target, duration and revert', () => {
      expect(lines[0]).to.equal('about to change the cluster HVCLUSTER01 through PowerShell:');
      expect(lines).to.include('  nodes: N1, N2, N3; VMs: web01, sql01, app01');
      expect(lines).to.include("  settings for the run: SameSubnetDelay = 250, SameSubnetThreshold = 3, ResiliencyDefaultPeriod = 10 (the cluster's own values set back at the end)");
      expect(lines.filter((l) => /^ {2}\d\. /.test(l))).to.deep.equal([
        '  1. kill-clussvc on N2: clussvc force-killed — undone: clussvc started again on N2 if it is not running',
        '  2. wait 6.0 s',
        '  3. live-migrate app01 to N1 — undone: nothing to undo (a VM that moved stays where it went)',
        '  4. wait 1.0 s',
      ]);
    });

    it('says the worst case: which node is lost for how long, and which VMs may restart elsewhere', () => {
      expect(lines).to.include('    N2 Isolated for up to 10.0 s (ResiliencyDefaultPeriod), then Down if it has not rejoined; its VMs (web01 and sql01) may restart on other nodes');
    });
  });

  it('for accept\'s many runs: one line per run with its faults, how each kind is undone said once, every worst case', () => {
    const base = loadExperiment(join(ROOT, 'experiments/pre-upgrade.yaml'), { settings: settingDefinitions, faults });
    const plan = acceptancePlan(base);
    const runs = [...plan.drains, ...plan.migrations, ...plan.resiliency];
    const lines = planSummary(runs, { where: 'through PowerShell' });
    expect(lines.filter((l) => /^ {2}run \d+ of 14: /.test(l))).to.have.length(14);
    expect(lines).to.include('  run 1 of 14: N1 drains and resumes with its VMs back (drain-node N1, resume-node N1)');
    expect(lines).to.include('  run 12 of 14: Compute Resiliency on N2 (kill-clussvc on N2)');
    expect(lines.find((l) => l.startsWith('  undone: '))).to.include('drain-node: the node resumed (Resume-ClusterNode, no failback)');
    expect(lines).to.include('    N2 Isolated for up to 4 min (ResiliencyDefaultPeriod), then Down if it has not rejoined; its VMs (web01 and sql01) may restart on other nodes');
    expect(lines.length).to.be.lessThan(40);
  });

  describe('the question', () => {
    const terminal = (text: string) => {
      const input = new PassThrough() as unknown as NodeJS.ReadStream;
      (input as { isTTY?: boolean }).isTTY = true;
      const output = new PassThrough();
      let shown = '';
      output.on('data', (d) => (shown += d));
      (input as unknown as PassThrough).end(text);
      return { input, output: output as unknown as NodeJS.WriteStream, shown: () => shown };
    };

    it('refuses without a terminal and without --yes, saying to add --yes (exit 2: a usage error)', async () => {
      const pipe = new PassThrough() as unknown as NodeJS.ReadStream;
      expect(() => refuseUnattended({ yes: false, input: pipe }, 'run')).to.throw(UsageError, /standard input is not a terminal.*Add --yes/);
      expect(() => refuseUnattended({ yes: true, input: pipe }, 'run')).not.to.throw();
      const e = await confirmChanges(['plan'], { yes: false, input: pipe, output: new PassThrough() as unknown as NodeJS.WriteStream }, 'run').catch((x: unknown) => x);
      expect(e).to.be.instanceOf(UsageError);
    });

    it('goes on for y or yes; stops for n, an empty answer or the end of the input', async () => {
      for (const answer of ['y\n', 'Y\n', 'yes\n']) {
        const t = terminal(answer);
        await confirmChanges(['the plan'], { yes: false, input: t.input, output: t.output }, 'run');
        expect(t.shown()).to.include('the plan\nProceed? [y/N] ');
      }
      for (const answer of ['n\n', '\n', '', 'yess\n']) {
        const t = terminal(answer);
        const e = await confirmChanges(['the plan'], { yes: false, input: t.input, output: t.output }, 'run').catch((x: unknown) => x);
        expect(e, JSON.stringify(answer)).to.be.instanceOf(NotConfirmedError);
      }
    });

    it('--yes shows the plan and does not ask', async () => {
      const t = terminal('');
      await confirmChanges(['the plan'], { yes: true, input: t.input, output: t.output }, 'run');
      expect(t.shown()).to.equal('the plan\n--yes: proceeding without asking\n');
    });
  });

  describe('clusterchaos run --target powershell (rehearsed) on a terminal', () => {
    for (const [what, keys] of [
      ['n', 'n\r'],
      ['Ctrl-D (end of input)', '\u0004'],
      ['Ctrl-C', '\u0003'],
    ] as const) {
      it(`${what} at the question: exit 3, the cluster only read, never changed`, async () => {
        const r = await onTerminal([...run, '--out', join(tmp(), 'out')], keys);
        expect(r.code, r.screen).to.equal(3);
        expect(r.screen).to.include('about to change the cluster HVCLUSTER01 in the rehearsal lab');
        expect(r.screen).to.include('worst case:');
        expect(r.screen).to.include('verdict: unknown — not confirmed, nothing was done to the cluster');
        // the checks that can refuse ran first (the cluster was read), and nothing changed it
        expect(r.ops).to.include.members(['connect', 'poll', 'read-configuration']);
        expect(r.calls.length).to.be.greaterThan(0);
        expect(r.calls.filter(changesCluster)).to.deep.equal([]);
      });
    }

    it('y at the question: the run goes on, changes the cluster and passes', async () => {
      const r = await onTerminal([...run, '--out', join(tmp(), 'out')], 'y\r');
      expect(r.code, r.screen).to.equal(0);
      expect(r.screen).to.match(/Proceed\? \[y\/N\] y/);
      expect(r.calls.filter(changesCluster).map((c) => c.command)).to.include('Stop-Process');
    });
  });

  it('without a terminal and without --yes: refused at once, exit 2, no PowerShell started; --yes goes ahead without asking', async () => {
    const trap = trapPwsh();
    const refused = await rehearse([...run, '--out', join(tmp(), 'out')], { env: trap.env });
    expect(refused.code, refused.stdout + refused.stderr).to.equal(2);
    expect(refused.stderr).to.include('standard input is not a terminal to ask on. Add --yes to run without the question');
    expect(refused.lastLine).to.equal('verdict: unknown — bad input, nothing was run');
    expect(trap.started()).to.equal(false);
    expect(refused.labs).to.equal(0);
    const accepted = await rehearse(['accept', '--target', 'powershell', '--rehearse', '--experiment', EXPERIMENT, '--allowlist', ALLOW, '--spec', 'migrations', '--out', join(tmp(), 'acc')], { env: trap.env });
    expect(accepted.code, accepted.stdout + accepted.stderr).to.equal(2);
    expect(accepted.stderr).to.include('Add --yes');
    expect(trap.started()).to.equal(false);
    const yes = await rehearse([...run, '--yes', '--out', join(tmp(), 'out')]);
    expect(yes.code, yes.stdout + yes.stderr).to.equal(0);
    expect(yes.stderr).to.include('about to change the cluster HVCLUSTER01').and.include('--yes: proceeding without asking').and.not.include('Proceed?');
  });

  describe('clusterchaos revert <out> (a dead run\'s reverts on a real cluster)', () => {
    /** The folder of a run on a real cluster that died with kill-clussvc N2 still to revert (a simulator run's trace, its header made a real run's). */
    const deadRun = (): string => {
      const out = join(tmp(), 'dead');
      expect(cli(['run', EXPERIMENT, '--out', out]).code).to.equal(0);
      const trace = join(out, 'trace.ndjson');
      const [first, ...rest] = readFileSync(trace, 'utf8').split('\n');
      writeFileSync(trace, [JSON.stringify({ ...JSON.parse(first!), target: 'powershell' }), ...rest].join('\n'));
      writeFileSync(join(out, 'undo.ndjson'), JSON.stringify({ type: 'revert', id: 1, fault: 'kill-clussvc', args: { node: 'N2' }, label: 'kill-clussvc N2', t: 0 }) + '\n');
      return out;
    };

    it('without a terminal and without --yes: exit 2, saying to add --yes; no PowerShell started, the journal untouched', async () => {
      const out = deadRun();
      const trap = trapPwsh();
      const r = await runClusterchaos(['revert', out, '--allowlist', ALLOW], { env: trap.env });
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      expect(r.stderr).to.include('clusterchaos revert changes the cluster, and asks first').and.include('Add --yes');
      expect(trap.started()).to.equal(false);
      expect(readFileSync(join(out, 'undo.ndjson'), 'utf8')).not.to.include('"done"');
    });

    it('nothing owed (every revert done): no question, not even without a terminal — the cluster is read, never changed, for the residue scan', async () => {
      const out = deadRun();
      appendFileSync(join(out, 'undo.ndjson'), JSON.stringify({ type: 'done', id: 1, outcome: 'ok', t: 5000 }) + '\n');
      const trap = trapPwsh();
      const r = await runClusterchaos(['revert', out, '--allowlist', ALLOW], { env: trap.env });
      expect(r.stdout).to.include('revert: nothing to revert — every revert in').and.include('ran; a residue scan (read-only) says whether the cluster is as it was before the run');
      expect(r.stderr + r.stdout).not.to.include('Add --yes');
      // the trapped PowerShell cannot answer: what matters is that the scan went to the cluster instead of stopping at "nothing to revert"
      expect(trap.started(), 'PowerShell started for the residue scan').to.equal(true);
    });

    it('n at the question: the reverts it would run listed, exit 3, no PowerShell started', async () => {
      const out = deadRun();
      const trap = trapPwsh();
      const r = await onTerminal(['revert', out, '--allowlist', ALLOW], 'n\r', trap.env);
      expect(r.code, r.screen).to.equal(3);
      expect(r.screen).to.include('about to run 1 revert on the cluster HVCLUSTER01 (nodes N1, N2, N3) through PowerShell, newest first:').and.include('  1. kill-clussvc N2');
      expect(r.screen).to.include('revert: not run — not confirmed, nothing was done to the cluster');
      expect(trap.started()).to.equal(false);
      expect(readFileSync(join(out, 'undo.ndjson'), 'utf8')).not.to.include('"done"');
    });
  });
});
