import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ROOT } from '../helpers/cli.js';
import { BIN } from '../helpers/build.js';

const SOAK = 'experiments/live-migration-soak.yaml';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'clusterchaos-soak-'));
}

/** The trace's records; a last line SIGKILL cut short is dropped, as every reader of a trace does. */
function records(trace: string): Record<string, any>[] {
  const lines = readFileSync(trace, 'utf8').trimEnd().split('\n');
  return lines.flatMap((l, i) => {
    try {
      return [JSON.parse(l)];
    } catch (e) {
      if (i === lines.length - 1) return [];
      throw e;
    }
  });
}

function checkpoints(trace: string): number[] {
  return records(trace)
    .filter((r) => r.type === 'checkpoint')
    .map((r) => r.iteration);
}

/** Start a soak, and send it `signal` once `checkpoints` iterations are in its trace; resolves with how it exited. */
function interrupted(out: string, iterations: number, signal: NodeJS.Signals, after = 300): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [BIN, 'run', SOAK, '--set', `iterations=${iterations}`, '--out', out], { cwd: ROOT, env: { ...process.env, CI: '1' }, stdio: 'ignore' });
  const trace = join(out, 'trace.ndjson');
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const text = existsSync(trace) ? readFileSync(trace, 'utf8') : '';
      if ((text.match(/"type":"checkpoint"/g) ?? []).length >= after) {
        clearInterval(timer);
        child.kill(signal);
      }
    }, 20);
    child.on('exit', (code, sig) => {
      clearInterval(timer);
      resolve({ code, signal: sig });
    });
  });
}

/** Split a shell-quoted replay command printed by the CLI into its words (the CLI quotes with '…' only). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('soaks from the command line', function () {
  this.timeout(300_000);

  it('runs a live-migration soak on the simulator: iterations, checkpoints and migration figures', () => {
    const out = join(tmp(), 'soak');
    const r = cli(['run', SOAK, '--set', 'iterations=300', '--out', out]);
    expect(r.lastLine, r.stdout + r.stderr).to.match(/^verdict: pass/);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^soak: 300 iterations done \(300 planned\); 0 anomalous$/m);
    expect(r.stdout).to.match(/^live migrations: 300 \(300 completed, 0 failed\)$/m);
    expect(checkpoints(join(out, 'trace.ndjson'))).to.deep.equal(Array.from({ length: 300 }, (_, i) => i + 1));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.run.soak).to.include({ iterations: 300, anomalyCount: 0 });
    expect(summary.migrations).to.include({ count: 300, completed: 300, failed: 0 });
    expect(summary.migrations.totalMs.p50).to.be.above(0);
    expect(summary.migrations.totalMs.p95).to.be.at.least(summary.migrations.totalMs.p50);
  });

  it('finds the storvsc race, prints the iteration and a replay command, and the replay stops at the same iteration', () => {
    const out = join(tmp(), 'race');
    const r = cli(['run', SOAK, '--defect', 'storvsc-race', '--set', 'iterations=20000', '--out', out, '--no-shrink']);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    const first = /first anomaly: iteration (\d+) at [^:]+(?::[^:]+)*?: (event 18590 on \S+)/.exec(r.stdout);
    expect(first, r.stdout).to.not.equal(null);
    const replay = /replay \(same seed; the same anomaly comes at iteration \d+\): (.*)$/m.exec(r.stdout)![1]!;
    expect(replay).to.match(/--defect storvsc-race/).and.to.match(/--set iterations=20000/).and.to.match(/--seed \d+/);
    const [npx, name, ...args] = words(replay);
    expect([npx, name]).to.deep.equal(['npx', 'clusterchaos']);
    const again = cli([...args, '--out', join(tmp(), 'replay'), '--no-shrink']);
    expect(again.code).to.equal(1);
    const second = /first anomaly: iteration (\d+) at [^:]+(?::[^:]+)*?: (event 18590 on \S+)/.exec(again.stdout);
    expect(second?.[1]).to.equal(first![1]);
    expect(second?.[2]).to.equal(first![2]);
  });

  it('shrinks a failing soak to the operations the failure needs, written as an experiment that fails the same way', () => {
    const out = join(tmp(), 'stall');
    const r = cli(['run', SOAK, '--defect', 'lm-stall', '--out', out]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    const shrunk = /^shrunk: (\d+) of the (\d+) operations fail the same way \((\S+) on (\S+);/m.exec(r.stdout);
    expect(shrunk, r.stdout).to.not.equal(null);
    const [, kept, from, rule, entity] = shrunk!;
    expect(Number(kept)).to.be.below(Number(from));
    const lines = r.stdout.split('\n');
    const command = lines[lines.findIndex((l) => l.startsWith('shrunk:')) + 1]!.trim();
    expect(command).to.equal(`npx clusterchaos run ${join(out, 'shrunk.yaml')} --seed 1 --defect lm-stall`);
    const yaml = readFileSync(join(out, 'shrunk.yaml'), 'utf8');
    expect(yaml.match(/fault: live-migrate/g)).to.have.length(Number(kept));
    const again = cli([...words(command).slice(2), '--out', join(tmp(), 'shrunk-run')]);
    expect(again.code).to.equal(1);
    expect(again.lastLine).to.include(`${entity} observed`);
    expect(again.stdout).to.include(`${entity} (${rule})`);
  });

  it('resumes a soak killed with SIGKILL: every iteration counted exactly once, the trace as if never killed', async () => {
    const iterations = '6000';
    const killed = join(tmp(), 'killed');
    const trace = join(killed, 'trace.ndjson');
    // killed once a few hundred iterations are on disk (a soak that ended first would prove nothing)
    expect((await interrupted(killed, Number(iterations), 'SIGKILL')).signal).to.equal('SIGKILL');
    const before = checkpoints(trace);
    expect(before.length).to.be.at.least(300).and.below(6000);
    expect(records(trace).some((r) => r.type === 'footer')).to.equal(false);

    const resumed = cli(['run', '--resume', killed]);
    expect(resumed.lastLine, resumed.stdout + resumed.stderr).to.match(/^verdict: pass/);
    expect(resumed.stdout).to.match(new RegExp(`^soak: ${iterations} iterations done \\(${iterations} planned, resumed after iteration ${before.at(-1)}\\)`, 'm'));
    expect(checkpoints(trace)).to.deep.equal(Array.from({ length: 6000 }, (_, i) => i + 1));

    // the same soak never killed writes the same records (header and footer aside: run id, start time, resumedAfter)
    const whole = join(tmp(), 'whole');
    expect(cli(['run', SOAK, '--set', `iterations=${iterations}`, '--out', whole]).code).to.equal(0);
    const body = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n').slice(1, -1);
    expect(body(trace)).to.deep.equal(body(join(whole, 'trace.ndjson')));
  });

  it('resumes a soak stopped with Ctrl-C after its last checkpoint, as one that was killed', async () => {
    const stopped = join(tmp(), 'interrupted');
    const trace = join(stopped, 'trace.ndjson');
    const { code } = await interrupted(stopped, 6000, 'SIGINT');
    expect(code).to.equal(3); // aborted: verdict unknown
    const footer = records(trace).at(-1)!;
    expect(footer.type).to.equal('footer');
    expect(footer.run.status).to.equal('aborted');
    const resumed = cli(['run', '--resume', stopped]);
    expect(resumed.lastLine, resumed.stdout + resumed.stderr).to.match(/^verdict: pass/);
    expect(checkpoints(trace)).to.deep.equal(Array.from({ length: 6000 }, (_, i) => i + 1));
    expect(records(trace).filter((r) => r.type === 'footer')).to.have.length(1);
  });

  it('says in a dry run that the method is repeated, how often and when it stops', () => {
    const r = cli(['run', SOAK, '--dry-run', '--set', 'iterations=500']);
    expect(r.stdout).to.include('  the method below, 500 times, stopping at the first anomaly:');
    expect(r.stdout).to.match(/^ {2}live-migrate .*"to":"round-robin"/m);
  });

  it('refuses a resume that would not continue the run as it was started (exit 2, nothing run)', () => {
    const out = join(tmp(), 'done');
    expect(cli(['run', SOAK, '--set', 'iterations=5', '--out', out]).code).to.equal(0);
    const finished = cli(['run', '--resume', out]);
    expect(finished.code).to.equal(2);
    expect(finished.stderr).to.match(/that run finished \(verdict: pass/);
    const withSet = cli(['run', '--resume', out, '--set', 'iterations=9']);
    expect(withSet.code).to.equal(2);
    expect(withSet.stderr).to.match(/give only the folder/);
    const nowhere = cli(['run', '--resume', join(tmp(), 'nothing-here')]);
    expect(nowhere.code).to.equal(2);
    expect(nowhere.stderr).to.match(/no trace\.ndjson there/);
  });
});
