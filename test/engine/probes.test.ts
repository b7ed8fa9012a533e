import { expect } from 'chai';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { runProbe, simulateProbe } from '../../src/engine/probes.js';
import type { Probe } from '../../src/experiment/types.js';
import { pwsh } from '../helpers/pwsh.js';

/**
 * The steady-state probes (src/engine/probes.ts) against real servers on 127.0.0.1 and real PowerShell 7: what
 * a user's probe reports when what it checks answers, answers wrongly, refuses or says nothing.
 */
const listen = <S extends HttpServer | TcpServer>(server: S): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: HttpServer | TcpServer): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** A port nothing listens on: one a server had a moment ago. */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  const port = await listen(s);
  await close(s);
  return port;
}

const http = (url: string, extra: Partial<Extract<Probe, { kind: 'http' }>> = {}): Probe => ({ name: 'web', kind: 'http', url, status: [], timeoutMs: 2000, ...extra });
const tcp = (host: string, port: number, timeoutMs = 2000): Probe => ({ name: 'sql', kind: 'tcp', host, port, timeoutMs });
const ps = (script: string, timeoutMs = 30_000): Probe => ({ name: 'script', kind: 'powershell', script, timeoutMs });

describe('steady-state probes (real servers, real PowerShell)', function () {
  this.timeout(120_000);

  describe('http', () => {
    let server: HttpServer;
    let base: string;
    before(async () => {
      server = createHttpServer((req, res) => {
        if (req.url === '/health') res.end('status: healthy');
        else if (req.url === '/down') {
          res.statusCode = 503;
          res.end('maintenance');
        } else if (req.url === '/slow') setTimeout(() => res.end('late'), 5000);
        else {
          res.statusCode = 404;
          res.end();
        }
      });
      base = `http://127.0.0.1:${await listen(server)}`;
    });
    after(async () => {
      server.closeAllConnections();
      await close(server);
    });

    it('is ok for a 2xx answer when no status is given, recording the status and how long it took', async () => {
      const r = await runProbe(http(`${base}/health`));
      expect(r.ok, r.error).to.equal(true);
      expect(r.value.status).to.equal(200);
      expect(r.value.ms).to.be.a('number');
    });

    it('fails on another status than the one asked for, saying what it got and what was expected', async () => {
      const r = await runProbe(http(`${base}/down`, { status: [200] }));
      expect(r.ok).to.equal(false);
      expect(r.value.status).to.equal(503);
      expect(r.error).to.equal(`GET ${base}/down answered 503 Service Unavailable, expected 200`);
    });

    it('takes any of several statuses', async () => {
      expect((await runProbe(http(`${base}/nothing`, { status: [200, 404] }))).ok).to.equal(true);
    });

    it('checks the body when asked to, and shows what it got when the text is not there', async () => {
      expect((await runProbe(http(`${base}/health`, { contains: 'healthy' }))).ok).to.equal(true);
      const r = await runProbe(http(`${base}/health`, { contains: 'ready' }));
      expect(r.ok).to.equal(false);
      expect(r.error).to.match(/answered 200, but its body does not contain "ready"$/);
      expect(r.value.body).to.equal('status: healthy');
    });

    it('fails after its timeout when the server does not answer in time', async () => {
      const started = Date.now();
      const r = await runProbe(http(`${base}/slow`, { timeoutMs: 500 }));
      expect(r.ok).to.equal(false);
      expect(r.error).to.equal(`no answer from ${base}/slow within 0.5 s`);
      expect(Date.now() - started).to.be.below(3000);
    });

    it('fails when nothing listens, saying so', async () => {
      const port = await closedPort();
      const r = await runProbe(http(`http://127.0.0.1:${port}/health`));
      expect(r.ok).to.equal(false);
      expect(r.error).to.equal(`GET http://127.0.0.1:${port}/health: connection refused (nothing listens there) [ECONNREFUSED]`);
    });
  });

  describe('tcp', () => {
    it('is ok when something accepts the connection', async () => {
      const server = createTcpServer((socket) => socket.end());
      const port = await listen(server);
      try {
        const r = await runProbe(tcp('127.0.0.1', port));
        expect(r.ok, r.error).to.equal(true);
        expect(r.value.address).to.equal('127.0.0.1');
      } finally {
        await close(server);
      }
    });

    it('fails when nothing listens', async () => {
      const port = await closedPort();
      const r = await runProbe(tcp('127.0.0.1', port));
      expect(r.ok).to.equal(false);
      expect(r.error).to.equal(`connecting to 127.0.0.1:${port}: connection refused (nothing listens there) [ECONNREFUSED]`);
    });

    it('fails after its timeout when the connection is never answered', async () => {
      // a non-routable address (TEST-NET-1, RFC 5737): the SYN goes nowhere, or the network says it is unreachable at once
      const r = await runProbe(tcp('192.0.2.1', 9, 300));
      expect(r.ok).to.equal(false);
      expect(r.error).to.match(/^(no connection to 192\.0\.2\.1:9 within 0\.3 s|connecting to 192\.0\.2\.1:9: .*)$/);
    });
  });

  describe('powershell, on the management host', () => {
    let exe: string;
    before(() => {
      exe = pwsh();
    });

    it('is ok when the script outputs $true, and fails when it outputs $false, showing the output', async () => {
      const yes = await runProbe(ps('1 -eq 1'), { powershell: exe });
      expect(yes.ok, yes.error).to.equal(true);
      expect(yes.value).to.include({ exitCode: 0, output: 'True' });
      const no = await runProbe(ps("'checking'; 1 -eq 2"), { powershell: exe });
      expect(no.ok).to.equal(false);
      expect(no.value.output).to.equal('checking\nFalse');
      expect(no.error).to.equal(`the script's last output is false: "False"`);
    });

    it('is ok when the script outputs nothing and ends without error', async () => {
      const r = await runProbe(ps('$null = Get-Date'), { powershell: exe });
      expect(r.ok, r.error).to.equal(true);
    });

    it('fails when the script throws, or an error stops it, with the message', async () => {
      const thrown = await runProbe(ps("throw 'the backup job is running'"), { powershell: exe });
      expect(thrown.ok).to.equal(false);
      expect(thrown.error).to.equal('the script failed (exit code 1): the backup job is running');
      // a non-terminating error stops the probe too ($ErrorActionPreference = 'Stop')
      const missing = await runProbe(ps("Get-Item '/no/such/path'; $true"), { powershell: exe });
      expect(missing.ok).to.equal(false);
      expect(missing.error).to.match(/^the script failed \(exit code 1\): Cannot find path '\/no\/such\/path'/);
    });

    it('fails with the exit code when the script exits with one', async () => {
      const r = await runProbe(ps('exit 3'), { powershell: exe });
      expect(r.ok).to.equal(false);
      expect(r.error).to.equal('the script failed (exit code 3)');
    });

    it('is stopped, and fails, when it runs past its timeout', async () => {
      const started = Date.now();
      const r = await runProbe(ps('Start-Sleep -Seconds 60; $true', 3000), { powershell: exe });
      expect(r.ok).to.equal(false);
      expect(r.error).to.equal('the script did not finish within 3 s (stopped)');
      expect(Date.now() - started).to.be.below(10_000);
    });

    it('runs the script as written: quotes and semicolons in it are the script, never a command line', async () => {
      // were the script pasted into a command, `'; exit 0; '` would end it early and pass
      const r = await runProbe(ps(`$s = "it's"; $s -eq 'x'; '; exit 0; ' | Out-Null; $false`), { powershell: exe });
      expect(r.ok).to.equal(false);
      expect(r.value.output).to.equal('False\nFalse');
    });

    it('fails, saying so, when PowerShell cannot be started', async () => {
      const r = await runProbe(ps('$true'), { powershell: '/no/such/pwsh' });
      expect(r.ok).to.equal(false);
      expect(r.error).to.match(/^could not start PowerShell \(\/no\/such\/pwsh\): .*ENOENT/);
    });
  });

  describe('on the simulator', () => {
    const poll = {
      nodes: { N1: { State: 'Up' as const, StatusInformation: [] }, N2: { State: 'Down' as const, StatusInformation: [] } },
      vms: {
        web01: { State: 'Running', GroupState: 'Online' as const, OwnerNode: 'N1', StatusInformation: [] },
        sql01: { State: 'Off', GroupState: 'Offline' as const, OwnerNode: 'N2', StatusInformation: [] },
      },
    };

    it("answers a probe with vm: from that VM's simulated state", () => {
      const ok = simulateProbe({ ...http('http://web01/health'), vm: 'web01' }, poll);
      expect(ok).to.deep.equal({ ok: true, value: { simulated: true, vm: 'web01', state: 'Running', owner: 'N1' } });
      const down = simulateProbe({ ...tcp('sql01', 1433), vm: 'sql01' }, poll);
      expect(down.ok).to.equal(false);
      expect(down.error).to.equal('answered by the simulated VM sql01: node N2 is Down; VM sql01 is Off, Offline on N2');
    });

    it('does not run a probe without vm:, and says so: never passed in silence', () => {
      const r = simulateProbe(tcp('sql01', 1433), poll);
      expect(r).to.include({ ok: false, notRun: true });
      expect(r.error).to.match(/^not run on the simulator \(no network there\)/);
    });
  });
});
