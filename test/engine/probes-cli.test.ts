import { expect } from 'chai';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { runClusterchaos, type CliRun } from '../helpers/rehearse-cli.js';
import { pwsh } from '../helpers/pwsh.js';

/**
 * Steady-state probes through the real `clusterchaos` command: on the simulator (answered by a VM, or not run,
 * and said so), bad probe YAML (exit 2), and run for real from the management host (HTTP and TCP servers on
 * 127.0.0.1, real PowerShell 7) in a rehearsal of --target powershell against the rehearsal lab: all ok (pass),
 * one failing before injection (aborted, exit 3, nothing injected), one failing after the method (fail, exit 1).
 */
const SIM = 'test/fixtures/experiments/probes-sim.yaml';
const LAB = 'test/fixtures/experiments/probes-lab.yaml';
const BAD = 'test/fixtures/experiments/probes-bad.yaml';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'clusterchaos-probes-'));
const listen = <S extends HttpServer | TcpServer>(server: S): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: HttpServer | TcpServer): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

interface Op {
  f: string;
  process: string;
  phase: string;
  args: Record<string, unknown>;
  value?: Record<string, unknown>;
  error?: string;
}
const ops = (out: string): Op[] =>
  readFileSync(join(out, 'trace.ndjson'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((r) => r.type === 'op');
/** `before web01 answers ok`: each probe's completion, in order. */
const probeRuns = (out: string): string[] => ops(out).filter((o) => o.f === 'probe' && o.phase !== 'invoke').map((o) => `${o.args.when} ${o.args.name} ${o.phase}`);

describe('steady-state probes through the clusterchaos command', function () {
  this.timeout(600_000);

  describe('on the simulator', () => {
    it('answers a probe with vm: from the simulated VM, reports one without as not run (console, log, trace), and passes', () => {
      const out = join(tmp(), 'out');
      const r = cli(['run', SIM, '--out', out]);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.include(
        'steady state after:  ok (every node Up, every VM Running; probe "web01 answers" (answered by the simulated VM web01) ok; not run on the simulator (no network there): probe "sql01 listens")',
      );
      const warnings = r.stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
      expect(warnings.map((w) => w.msg)).to.include('not run on the simulator, which has no network: "sql01 listens" (a probe with "vm: <name>" is answered by that VM\'s simulated state)');
      expect(probeRuns(out)).to.deep.equal(['before web01 answers ok', 'before sql01 listens info', 'after web01 answers ok', 'after sql01 listens info']);
      const web = ops(out).find((o) => o.f === 'probe' && o.phase === 'ok')!;
      expect(web.args).to.deep.equal({ when: 'before', name: 'web01 answers', kind: 'http', url: 'http://web01.lab.local/health', status: [200], vm: 'web01' });
      expect(web.value).to.deep.equal({ simulated: true, vm: 'web01', state: 'Running', owner: 'N1' });
      // the stored trace's probe lines are in the vocabulary `check` knows
      const checked = cli(['check', join(out, 'trace.ndjson')]);
      expect(checked.code, checked.stdout + checked.stderr).to.equal(0);
    });

    it('--dry-run lists the probes and how each would run here', () => {
      const r = cli(['run', SIM, '--dry-run']);
      expect(r.code).to.equal(3);
      expect(r.stdout).to.include('  steady state, before and after the method: every node Up, every VM Running, within 30 s, then these probes\n');
      expect(r.stdout).to.include('    probe "web01 answers": http GET http://web01.lab.local/health, status 200 within 5 s (VM web01): answered by the simulated VM web01\n');
      expect(r.stdout).to.include('    probe "sql01 listens": tcp connect to sql01.lab.local:1433 within 3 s: not run on the simulator (no network there)\n');
    });
  });

  it('refuses bad probes with the file, line, what was expected and what to do: exit 2, nothing run', () => {
    const r = cli(['run', BAD]);
    expect(r.code).to.equal(2);
    expect(r.lastLine).to.equal('verdict: unknown — bad input, nothing was run');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).to.include.members([
      `${BAD}:10:7: steady-state.probes[0].ping: expected one of the keys of a probe (name, vm, http, tcp, powershell), found "ping". There is no ping probe: tcp: { host: ..., port: ... } checks that something listens, powershell: { script: "Test-Connection web01 -Count 1 -Quiet" } that a host answers ICMP.`,
      `${BAD}:12:13: steady-state.probes[1].http.url: expected an http:// or https:// URL without spaces, such as http://web01.lab.local/health, found no url. Add "url:" under steady-state.probes[1].http.`,
      `${BAD}:14:33: steady-state.probes[2].tcp.port: expected a TCP port, a whole number from 1 to 65535, found 70000.`,
      `${BAD}:17:12: steady-state.probes[3].tcp: expected one of http:, tcp: or powershell: in a probe, not two, found a mapping with host, port. Give each check a probe of its own, with its own name.`,
      `${BAD}:18:7: steady-state.probes[4]: expected a probe with one of http:, tcp: or powershell:, found a mapping with name. Add, e.g., http: { url: "http://web01.lab.local/health" }, tcp: { host: sql01, port: 1433 } or powershell: { script: "..." }.`,
      `${BAD}:20:11: steady-state.probes[5].vm: expected one of the cluster's VMs (web01), found "web02". Did you mean "web01"? Use a VM listed in cluster.vms, or leave vm: out.`,
      `${BAD}:21:20: steady-state.probes[5].http.url: expected an http:// or https:// URL without spaces, such as http://web01.lab.local/health, found "ftp://web01/health".`,
    ]);
  });

  describe('run for real from the management host (a rehearsal of --target powershell)', () => {
    let web: HttpServer;
    let sql: TcpServer;
    let webPort: number;
    let sqlPort: number;
    /** What the web server answers /health with, request by request. */
    let answer: (n: number) => number;
    let requests = 0;
    let allow: string;
    before(async () => {
      web = createHttpServer((req, res) => {
        res.statusCode = req.url === '/health' ? answer(++requests) : 404;
        res.end(res.statusCode === 200 ? 'healthy' : 'not now');
      });
      sql = createTcpServer((socket) => socket.end());
      webPort = await listen(web);
      sqlPort = await listen(sql);
      allow = join(tmp(), 'allow.yaml');
      writeFileSync(allow, 'clusters:\n  - name: HVCLUSTER01\n    faults: [live-migrate]\n');
    });
    after(async () => {
      web.closeAllConnections();
      await Promise.all([close(web), close(sql)]);
    });
    beforeEach(() => {
      requests = 0;
    });

    const rehearse = (out: string, sets: string[] = []): Promise<CliRun> =>
      runClusterchaos(
        [
          'run', LAB, '--target', 'powershell', '--rehearse', '--yes', '--allowlist', allow, '--out', out,
          '--set', `steady-state.probes[0].http.url=http://127.0.0.1:${webPort}/health`,
          '--set', `steady-state.probes[1].tcp.port=${sqlPort}`,
          ...sets.flatMap((s) => ['--set', s]),
        ],
        { env: { CLUSTERCHAOS_PWSH: pwsh() } },
      );

    it('passes when every probe is ok before and after, each run an op line with what it observed', async () => {
      answer = () => 200;
      const out = join(tmp(), 'out');
      const r = await rehearse(out);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.include('steady state before: ok (every node Up, every VM Running; probes "web01 answers", "sql01 listens", "clock is set" ok)');
      expect(r.stdout).to.include('steady state after:  ok (every node Up, every VM Running; probes "web01 answers", "sql01 listens", "clock is set" ok)');
      expect(probeRuns(out)).to.deep.equal([
        'before web01 answers ok', 'before sql01 listens ok', 'before clock is set ok',
        'after web01 answers ok', 'after sql01 listens ok', 'after clock is set ok',
      ]);
      const done = ops(out).filter((o) => o.f === 'probe' && o.phase === 'ok');
      expect(done[0]!.value).to.include({ status: 200 });
      expect(done[1]!.value).to.include({ address: '127.0.0.1' });
      expect(done[2]!.value).to.include({ exitCode: 0, output: 'True' });
      expect(requests).to.equal(2);
    });

    it('aborts before injecting anything when a probe fails before the method: unknown, exit 3, naming the probe', async () => {
      answer = () => 200;
      const closed = createTcpServer();
      const port = await listen(closed);
      await close(closed);
      const out = join(tmp(), 'out');
      const r = await rehearse(out, [`steady-state.probes[1].tcp.port=${port}`]);
      expect(r.code, r.stdout + r.stderr).to.equal(3);
      expect(r.lastLine).to.match(/^verdict: unknown — /);
      expect(r.stdout).to.include(
        `steady state before: NOT REACHED: probe "sql01 listens" failed: connecting to 127.0.0.1:${port}: connection refused (nothing listens there) [ECONNREFUSED]`,
      );
      expect(r.stdout).to.include('nothing was injected');
      // the probes ran once; the live migration never did
      expect(probeRuns(out)).to.deep.equal(['before web01 answers ok', 'before sql01 listens fail', 'before clock is set ok']);
      expect(ops(out).map((o) => o.f)).not.to.include('live-migrate');
    });

    it('fails when a probe is still failing once the steady-state timeout has passed after the method: fail, exit 1, naming the probe and what it got', async () => {
      // healthy for the check before injection, then down for good
      answer = (n) => (n === 1 ? 200 : 503);
      const out = join(tmp(), 'out');
      const r = await rehearse(out);
      expect(r.code, r.stdout + r.stderr).to.equal(1);
      const reason = `probe "web01 answers" failed: GET http://127.0.0.1:${webPort}/health answered 503 Service Unavailable, expected 200`;
      expect(r.stdout).to.include(`steady state after:  NOT REACHED: ${reason}`);
      expect(r.lastLine).to.match(/^verdict: fail — /);
      // retried every observe interval until the timeout, then given up
      const after = probeRuns(out).filter((p) => p.startsWith('after web01'));
      expect(after.length).to.be.greaterThan(1);
      expect(after.every((p) => p === 'after web01 answers fail')).to.equal(true);
      expect(ops(out).find((o) => o.f === 'probe' && o.phase === 'fail')!.value).to.include({ status: 503 });
      // `check` judges the stored trace the same way
      const checked = cli(['check', join(out, 'trace.ndjson')]);
      expect(checked.code, checked.stdout + checked.stderr).to.equal(1);
      expect(checked.stdout).to.include(reason);
    });
  });
});
