import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../helpers/cli.js';
import { BIN, checkpointCount, FULL_DISK, KILL_SOAK, records, start, tmp, type Ended } from '../helpers/processes.js';

const THROWER = fileURLToPath(new URL('../helpers/throw-from-timer.mjs', import.meta.url));

/**
 * Every fault injected was reverted, ok, and the settings restored: the simulated cluster was left as it was.
 * (The trace is the simulator's whole story: a revert that did not run has no `revert:` line.)
 */
function everythingReverted(ops: Record<string, any>[]): { kills: number; reverts: number; settingsRestored: boolean } {
  const kills = ops.filter((r) => r.f === 'kill-clussvc' && r.phase === 'invoke').length;
  const reverts = ops.filter((r) => r.f === 'revert:kill-clussvc' && r.phase === 'ok').length;
  const settingsRestored = ops.some((r) => r.f === 'restore-cluster-settings' && r.phase === 'ok');
  return { kills, reverts, settingsRestored };
}

/** `clusterchaos <args>` with its `out` folder on a disk that fills up once a write there contains `after`. */
function onFullDisk(args: string[], out: string, after: string): Promise<Ended> {
  return start(args, { nodeArgs: ['--import', FULL_DISK], env: { FULL_DISK_DIR: out, FULL_DISK_AFTER: after } });
}

/** The trace lines a run could not write to its full disk, as it wrote them to stderr. */
function spilledOf(ended: Ended): Record<string, any>[] {
  return ended.stderr.split('\n').filter((l) => l.startsWith('{"type"')).map((l) => JSON.parse(l));
}

describe('how a run ends: stop signals, a full disk', function () {
  this.timeout(180_000);

  const stopped: Record<string, { ended: Ended; out: string }> = {};
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const name = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    it(`${signal} during a soak: stops after the step, runs every revert, writes the footer and the reports, exit 3`, async () => {
      const out = join(tmp(), 'run');
      const trace = join(out, 'trace.ndjson');
      const ended = await start(['run', KILL_SOAK, '--out', out, '--no-shrink'], { until: () => checkpointCount(trace) >= 20, then: (pid) => process.kill(pid, signal) });
      stopped[signal] = { ended, out };
      expect(ended.signal, ended.stderr).to.equal(null); // it was not killed by the signal: it handled it
      expect(ended.code, ended.stdout + ended.stderr).to.equal(3);
      expect(ended.lastLine).to.equal(`verdict: unknown — the run was aborted: interrupted (${name}): stopped before the next step`);
      expect(ended.stderr).to.include(`${name}: stopping after the current step and reverting every fault`);
      const all = records(trace);
      const footer = all.at(-1)!;
      expect(footer.type).to.equal('footer');
      expect(footer.run.status).to.equal('aborted');
      expect(footer.run.abortReason).to.equal(`interrupted (${name}): stopped before the next step`);
      const { kills, reverts, settingsRestored } = everythingReverted(all.filter((r) => r.type === 'op'));
      expect(kills).to.be.at.least(20).and.below(3000);
      expect(reverts, 'every kill reverted').to.equal(kills);
      expect(settingsRestored, 'ResiliencyDefaultPeriod restored').to.equal(true);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      expect(summary.verdict).to.equal('unknown');
      expect(summary.run.status).to.equal('aborted');
      expect(summary.run.reverts.every((r: { outcome: string }) => r.outcome === 'ok')).to.equal(true);
      expect(readdirSync(out).sort()).to.deep.equal(['junit.xml', 'report.html', 'summary.json', 'trace.ndjson']);
    });
  }

  it('SIGTERM and SIGHUP leave the same trace, summary and cluster as Ctrl-C (but for where the soak was stopped)', () => {
    const shape = (signal: string) => {
      const { out } = stopped[signal]!;
      const all = records(join(out, 'trace.ndjson'));
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      return {
        kinds: [...new Set(all.map((r) => r.type))].sort(),
        lastOps: all.filter((r) => r.type === 'op').slice(-6).map((r) => `${r.f} ${r.phase}`),
        reverts: summary.run.reverts.map((r: { fault: string; outcome: string }) => `${r.fault} ${r.outcome}`),
        files: readdirSync(out).sort(),
      };
    };
    expect(Object.keys(stopped)).to.have.length(3);
    expect(shape('SIGTERM')).to.deep.equal(shape('SIGINT'));
    expect(shape('SIGHUP')).to.deep.equal(shape('SIGINT'));
  });

  it('a second SIGTERM while the reverts run does not cut them short', async () => {
    const out = join(tmp(), 'run');
    const trace = join(out, 'trace.ndjson');
    const ended = await start(['run', KILL_SOAK, '--out', out, '--no-shrink'], {
      until: () => checkpointCount(trace) >= 10,
      then: (pid) => {
        process.kill(pid, 'SIGTERM');
        setTimeout(() => process.kill(pid, 'SIGTERM'), 5);
        setTimeout(() => process.kill(pid, 'SIGHUP'), 10);
      },
    });
    expect(ended.code, ended.stderr).to.equal(3);
    const { kills, reverts, settingsRestored } = everythingReverted(records(trace).filter((r) => r.type === 'op'));
    expect(reverts).to.equal(kills);
    expect(settingsRestored).to.equal(true);
  });

  it('Ctrl-C while a failing soak is shrunk: shrinking stops, the best schedule so far is written, the verdict line still comes (exit 1)', async () => {
    const out = join(tmp(), 'run');
    const child = spawn(process.execPath, [BIN, 'run', 'experiments/live-migration-soak.yaml', '--defect', 'lm-stall', '--out', out], { cwd: ROOT, env: { ...process.env, CI: '1' } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && stderr.includes('shrinking the failing schedule')) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 300);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(sent).to.equal(true);
    expect(code, stdout + stderr).to.equal(1);
    expect(stdout).to.match(/^(shrunk — stopped early \(Ctrl-C\): \d+ of the \d+ operations|shrinking stopped \(Ctrl-C\) before any of the \d+ operations could go)/m);
    expect(stdout.trimEnd().split('\n').at(-1)).to.match(/^verdict: fail — /);
    expect(readdirSync(out)).to.include('shrunk.yaml');
  });

  for (const format of ['json', 'pretty'] as const) {
    it(`SIGHUP with stderr gone (${format} logs to /dev/full, as a closed terminal's EIO): the log lines are dropped, every revert still runs, exit 3`, async () => {
      const out = join(tmp(), 'run');
      const trace = join(out, 'trace.ndjson');
      const child = spawn('sh', ['-c', `exec "${process.execPath}" "${BIN}" run ${KILL_SOAK} --out "${out}" --no-shrink --log-format ${format} 2>/dev/full`], { cwd: ROOT, env: { ...process.env, CI: '1' } });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const timer = setInterval(() => {
        if (checkpointCount(trace) < 20) return;
        clearInterval(timer);
        child.kill('SIGHUP');
      }, 20);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearInterval(timer);
      expect(code, stdout).to.equal(3);
      expect(stdout.trimEnd().split('\n').at(-1)).to.equal('verdict: unknown — the run was aborted: interrupted (SIGHUP): stopped before the next step');
      const { kills, reverts, settingsRestored } = everythingReverted(records(trace).filter((r) => r.type === 'op'));
      expect(reverts).to.equal(kills);
      expect(settingsRestored).to.equal(true);
    });
  }

  it('an exception nobody catches in the middle of a soak: the run stops as on a stop signal, every revert runs, exit 4', async () => {
    const out = join(tmp(), 'run');
    const trace = join(out, 'trace.ndjson');
    const ended = await start(['run', KILL_SOAK, '--out', out, '--no-shrink'], { nodeArgs: ['--import', THROWER], env: { THROW_TRACE: trace } });
    expect(ended.code, ended.stdout + ended.stderr).to.equal(4);
    expect(ended.stderr).to.include('clusterchaos itself failed: thrown from a timer by the test (a bug in clusterchaos, not a finding about the cluster)');
    expect(ended.stderr).to.not.match(/\n\s+at /);
    const all = records(trace);
    expect(all.at(-1)!.run.abortReason).to.equal('interrupted (an internal error: thrown from a timer by the test): stopped before the next step');
    const { kills, reverts, settingsRestored } = everythingReverted(all.filter((r) => r.type === 'op'));
    expect(kills).to.be.at.least(5);
    expect(reverts).to.equal(kills);
    expect(settingsRestored).to.equal(true);
  });

  it('with the output on a full disk: every registered revert still runs, what could not be written goes to stderr, exit 4', async () => {
    const out = join(tmp(), 'run');
    // the disk is full after the trace's first block (the header, the kill, the first observations): the next
    // block fails while clussvc is down on N2 and ResiliencyDefaultPeriod is 60
    const ended = await onFullDisk(['run', 'experiments/compute-resiliency.yaml', '--out', out], out, '"type":"header"');
    expect(ended.code, ended.stdout + ended.stderr).to.equal(4);
    expect(ended.stderr).to.include(`clusterchaos: cannot write the trace ${join(out, 'trace.ndjson')}: no space left on device (ENOSPC)`);
    expect(ended.lastLine).to.match(/^verdict: unknown — clusterchaos itself failed: cannot write the trace .*: no space left on device \(ENOSPC\)$/);
    // what the file holds and what went to stderr are, together, the whole story
    const onDisk = records(join(out, 'trace.ndjson'));
    const spilled = spilledOf(ended);
    expect(onDisk.map((r) => r.f)).to.include('kill-clussvc');
    expect(spilled.map((r) => r.f)).to.include.members(['revert:kill-clussvc', 'restore-cluster-settings']);
    const ops = [...onDisk, ...spilled].filter((r) => r.type === 'op');
    expect(ops.map((r) => r.seq)).to.deep.equal(ops.map((r) => r.seq).sort((a, b) => a - b));
    const { kills, reverts, settingsRestored } = everythingReverted(ops);
    expect(kills).to.equal(1);
    expect(reverts, 'the kill reverted').to.equal(1);
    expect(settingsRestored, 'ResiliencyDefaultPeriod restored').to.equal(true);
    expect(ended.stderr).to.match(/The run stopped and ran its reverts \(2 reverts, all ok\)/);
    // no half-written reports: the trace is all there is
    expect(readdirSync(out)).to.deep.equal(['trace.ndjson']);
  });

  it('a full disk in the middle of a soak: the soak stops at its checkpoint and restores the settings, exit 4', async () => {
    const out = join(tmp(), 'run');
    const ended = await onFullDisk(['run', KILL_SOAK, '--out', out, '--no-shrink'], out, '"iteration":5,');
    expect(ended.code, ended.stdout + ended.stderr).to.equal(4);
    const spilled = spilledOf(ended);
    const { kills, reverts, settingsRestored } = everythingReverted([...records(join(out, 'trace.ndjson')), ...spilled].filter((r) => r.type === 'op'));
    expect(kills).to.be.at.least(5);
    expect(reverts).to.equal(kills);
    expect(settingsRestored).to.equal(true);
    expect(spilled.map((r) => r.f)).to.include('restore-cluster-settings');
  });

  it('a full disk while the reports are written: no 0-byte report.html, exit 4, and the trace is whole', async () => {
    const out = join(tmp(), 'run');
    const ended = await onFullDisk(['run', 'experiments/compute-resiliency.yaml', '--out', out], out, '"type":"footer"');
    expect(ended.code, ended.stdout + ended.stderr).to.equal(4);
    expect(ended.lastLine).to.match(/^verdict: unknown — clusterchaos itself failed: cannot write .*summary\.json: no space left on device \(ENOSPC\)$/);
    expect(readdirSync(out).sort()).to.deep.equal(['trace.ndjson']);
    expect(records(join(out, 'trace.ndjson')).at(-1)!.type).to.equal('footer');
    // what to do next is said right: the run finished, only its reports are missing
    const resumed = await start(['run', '--resume', out]);
    expect(resumed.code).to.equal(2);
    expect(resumed.stderr).to.include(`Its summary.json, junit.xml, report.html are missing (the disk was full, or the run was killed while writing them): write them with: clusterchaos report ${out}`);
    const reported = await start(['report', out]);
    expect(reported.code, reported.stderr).to.equal(0);
    expect(readdirSync(out).sort()).to.deep.equal(['junit.xml', 'report.html', 'summary.json', 'trace.ndjson']);
  });

  it('stdout to /dev/full: the run completes, and says on stderr that its verdict could not be printed, exit 4', async () => {
    const out = join(tmp(), 'run');
    const viaShell = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const sh = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" run experiments/compute-resiliency.yaml --out "${out}" >/dev/full`], { cwd: ROOT, env: { ...process.env, CI: '1' } });
      let stderr = '';
      sh.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      sh.on('close', (code) => resolve({ code, stderr }));
    });
    expect(viaShell.code, viaShell.stderr).to.equal(4);
    expect(viaShell.stderr).to.match(/clusterchaos itself failed: cannot write to standard output \(ENOSPC\)/);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).verdict).to.equal('pass');
  });
});
