import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { abandon, FolderBusyError, LOCK_FILE, lockFolder, prepareOutDir } from '../../src/cli/out-dir.js';
import { cli } from '../helpers/cli.js';
import { KILL_SOAK as SOAK, records, start, tmp } from '../helpers/processes.js';

function checkpoints(trace: string): number[] {
  return existsSync(trace) ? records(trace).filter((r) => r.type === 'checkpoint').map((r) => r.iteration) : [];
}

/** A process id that is certainly not running any more. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('one run per folder, one resume per soak', function () {
  this.timeout(180_000);

  it('two runs started on one --out at once: exactly one proceeds, the other exits 2 naming it', async () => {
    const out = join(tmp(), 'shared');
    const trace = join(out, 'trace.ndjson');
    const args = ['run', SOAK, '--set', 'iterations=30000', '--out', out, '--no-shrink'];
    // both start together; the one that got the folder (its pid is in the lock) is stopped with Ctrl-C once the race is decided
    const runs = [0, 1].map(() => start(args));
    const timer = setInterval(() => {
      if (checkpoints(trace).length < 5) return;
      clearInterval(timer);
      process.kill(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')).pid, 'SIGINT');
    }, 20);
    const ended = await Promise.all(runs);
    clearInterval(timer);
    const codes = ended.map((e) => e.code).sort();
    expect(codes, ended.map((e) => e.stderr).join('\n')).to.deep.equal([2, 3]);
    const loser = ended.find((e) => e.code === 2)!;
    expect(loser.stderr).to.match(new RegExp(`another clusterchaos is writing there: \`clusterchaos run ${SOAK} --set iterations=30000 --out ${out} --no-shrink\` \\(process \\d+ on ${hostname()}, since `));
    expect(loser.lastLine).to.equal('verdict: unknown — bad input, nothing was run');
    const all = records(trace);
    expect(all.filter((r) => r.type === 'header')).to.have.length(1);
    expect(all.filter((r) => r.type === 'footer')).to.have.length(1);
    const seqs = all.filter((r) => r.seq !== undefined).map((r) => r.seq);
    expect(seqs).to.deep.equal(seqs.map((_, i) => i)); // one writer: no interleaving
    expect(existsSync(join(out, LOCK_FILE)), 'the lock is given back').to.equal(false);
  });

  it('two resumes of one killed soak at once: exactly one proceeds (every iteration once), the other exits 2 naming it', async () => {
    const out = join(tmp(), 'killed');
    const trace = join(out, 'trace.ndjson');
    const killed = await start(['run', SOAK, '--set', 'iterations=400', '--out', out], { until: () => checkpoints(trace).length >= 50, then: (pid) => process.kill(pid, 'SIGKILL') });
    expect(killed.signal).to.equal('SIGKILL');
    // SIGKILL left its lock behind: a dead holder's, which a resume takes over
    expect(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')).command).to.match(/^clusterchaos run /);
    const resumes = await Promise.all([start(['run', '--resume', out]), start(['run', '--resume', out])]);
    const codes = resumes.map((r) => r.code).sort();
    expect(codes, resumes.map((r) => r.stdout + r.stderr).join('\n')).to.deep.equal([0, 2]);
    expect(resumes.find((r) => r.code === 2)!.stderr).to.match(/--resume .*another clusterchaos is writing there: `clusterchaos run --resume .*` \(process \d+ on /);
    expect(checkpoints(trace)).to.deep.equal(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(records(trace).filter((r) => r.type === 'footer')).to.have.length(1);
    expect(existsSync(join(out, LOCK_FILE))).to.equal(false);
  });

  it('a resume while the run is still going is refused, naming the run', async () => {
    const out = join(tmp(), 'running');
    const trace = join(out, 'trace.ndjson');
    let resumed: Awaited<ReturnType<typeof start>> | undefined;
    const run = start(['run', SOAK, '--set', 'iterations=30000', '--out', out, '--no-shrink'], {
      until: () => checkpoints(trace).length >= 5,
      then: (pid) => {
        void start(['run', '--resume', out]).then((r) => {
          resumed = r;
          process.kill(pid, 'SIGINT');
        });
      },
    });
    expect((await run).code).to.equal(3);
    expect(resumed!.code).to.equal(2);
    expect(resumed!.stderr).to.match(new RegExp(`another clusterchaos is writing there: \`clusterchaos run ${SOAK} --set iterations=30000 --out ${out} --no-shrink\``));
  });

  it('`clusterchaos revert <out>` is refused while the run still holds its folder (it reverts its own faults when it ends)', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'trace.ndjson'), '');
    const held = lockFolder(dir, 'clusterchaos run lab.yaml --target powershell');
    try {
      const r = cli(['revert', dir]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/another clusterchaos is writing there: `clusterchaos run lab\.yaml --target powershell` \(process \d+/);
      expect(r.stderr).to.include('stop it with Ctrl-C rather than revert beside it');
    } finally {
      held.release();
    }
  });

  it('`clusterchaos report <out>` is refused while another clusterchaos holds the folder, and takes and gives back the lock itself', () => {
    const out = join(tmp(), 'done');
    expect(cli(['run', 'experiments/compute-resiliency.yaml', '--out', out]).code).to.equal(0);
    const held = lockFolder(out, 'clusterchaos run --resume elsewhere');
    try {
      const r = cli(['report', out]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/another clusterchaos is writing there: `clusterchaos run --resume elsewhere`/);
    } finally {
      held.release();
    }
    expect(cli(['report', out]).code).to.equal(0);
    expect(existsSync(join(out, LOCK_FILE))).to.equal(false);
  });

  describe('the lock', () => {
    it('is held once: a second claim in the same folder is refused, naming the first; released, it can be taken again', () => {
      const dir = tmp();
      const first = lockFolder(dir, 'clusterchaos run a.yaml');
      expect(() => lockFolder(dir, 'clusterchaos run b.yaml'))
        .to.throw(FolderBusyError)
        .with.property('message')
        .that.matches(new RegExp(`another clusterchaos is writing there: \`clusterchaos run a\\.yaml\` \\(process ${process.pid} on ${hostname()}`));
      first.release();
      lockFolder(dir, 'clusterchaos run b.yaml').release();
    });

    it('left by a process that died on this machine is taken over; one from another machine is not', () => {
      const dir = tmp();
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), started: '2026-01-01T00:00:00Z', command: 'clusterchaos run old.yaml' }));
      lockFolder(dir, 'clusterchaos run --resume x').release();
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: 'LAB-MGMT-02', started: '2026-01-01T00:00:00Z', command: 'clusterchaos run other.yaml' }));
      expect(() => lockFolder(dir, 'clusterchaos run --resume x')).to.throw(FolderBusyError, /process \d+ on LAB-MGMT-02.*If no such process is running, delete /);
    });

    it('a run refused after claiming a folder it made removes it again; a folder the user made is kept', () => {
      const base = tmp();
      const made = prepareOutDir(join(base, 'new'), 'x', 'clusterchaos run x.yaml');
      abandon(made);
      expect(existsSync(join(base, 'new'))).to.equal(false);
      mkdirSync(join(base, 'mine'));
      abandon(prepareOutDir(join(base, 'mine'), 'x', 'clusterchaos run x.yaml'));
      expect(existsSync(join(base, 'mine'))).to.equal(true);
      expect(existsSync(join(base, 'mine', LOCK_FILE))).to.equal(false);
    });
  });
});
