/**
 * The user's steady-state probes (`steady-state.probes`), as Chaos Toolkit's steady-state-hypothesis probes:
 * an HTTP GET, a TCP connect or a PowerShell script, each run from the management host (where clusterchaos
 * runs, never on a node) with its own timeout, on the wall clock. The runner runs them once the cluster's own
 * steady state holds (every node Up, every VM Running): before injection once (a failing probe: no steady
 * state, nothing is injected), and after the method again every observe interval until the steady-state
 * timeout (a probe still failing then: the steady state did not come back).
 *
 * On the simulator there is no network and the clock is virtual: a probe with `vm:` is answered by that VM's
 * simulated state (ok while it is Running, Online, on an Up node); one without is not run, and says so
 * (`notRun`), never passed in silence.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Probe } from '../experiment/types.js';
import type { NodeObservation, VmObservation } from '../trace/records.js';
import { deviations } from '../trace/steady-state.js';
import { findPowerShell } from '../targets/powershell/executable.js';

/** What one run of a probe found: `value` goes into the trace's op line as what it observed. */
export interface ProbeResult {
  ok: boolean;
  /** Not run (the simulator has no network): neither ok nor failed. */
  notRun?: true;
  value: Record<string, unknown>;
  /** Why it failed, or why it was not run, in a sentence. */
  error?: string;
}

/** The most of a PowerShell probe's output kept in the trace. */
const MAX_OUTPUT = 500;
/** The most of a response body read to look for `contains` (a health page is small; a huge one is not read whole). */
const MAX_BODY = 1024 * 1024;

/** The probe as the trace's op line records it (its args). */
export function probeArgs(probe: Probe, when: 'before' | 'after'): Record<string, unknown> {
  const vm = probe.vm !== undefined ? { vm: probe.vm } : {};
  switch (probe.kind) {
    case 'http':
      return { when, name: probe.name, kind: 'http', url: probe.url, ...(probe.status.length ? { status: probe.status } : {}), ...(probe.contains !== undefined ? { contains: probe.contains } : {}), ...vm };
    case 'tcp':
      return { when, name: probe.name, kind: 'tcp', host: probe.host, port: probe.port, ...vm };
    case 'powershell':
      return { when, name: probe.name, kind: 'powershell', script: probe.script, ...vm };
  }
}

/** `http GET http://web01/health`, `tcp sql01:1433`, `powershell (Get-Service VSS).Status…`: for the console and --dry-run. */
export function describeProbe(probe: Probe): string {
  const vm = probe.vm !== undefined ? ` (VM ${probe.vm})` : '';
  const within = `within ${probe.timeoutMs / 1000} s`;
  switch (probe.kind) {
    case 'http': {
      const status = probe.status.length ? `status ${probe.status.join(' or ')}` : 'a 2xx status';
      return `"${probe.name}": http GET ${probe.url}, ${status}${probe.contains !== undefined ? ` and a body containing ${JSON.stringify(probe.contains)}` : ''} ${within}${vm}`;
    }
    case 'tcp':
      return `"${probe.name}": tcp connect to ${probe.host}:${probe.port} ${within}${vm}`;
    case 'powershell':
      return `"${probe.name}": powershell ${JSON.stringify(short(probe.script, 80))} ${within}, ok when its last output is true${vm}`;
  }
}

/**
 * Run one probe for real, from this host. Never throws: a probe that cannot run has failed, and says why.
 * `powershell`: the executable for a PowerShell probe; default findPowerShell()'s (powershell.exe on Windows).
 */
export async function runProbe(probe: Probe, o: { powershell?: string } = {}): Promise<ProbeResult> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  try {
    switch (probe.kind) {
      case 'http':
        return await httpProbe(probe, ms);
      case 'tcp':
        return await tcpProbe(probe, ms);
      case 'powershell':
        return await powerShellProbe(probe, ms, o.powershell ?? findPowerShell()?.path ?? (process.platform === 'win32' ? 'powershell.exe' : 'pwsh'));
    }
  } catch (e) {
    return { ok: false, value: { ms: ms() }, error: `could not run: ${(e as Error).message}` };
  }
}

/**
 * A probe on the simulator, from the poll just made: with `vm:`, ok while that VM is Running, Online and
 * unflagged on an Up node (the steady-state rule, src/trace/steady-state.ts); without, not run.
 */
export function simulateProbe(probe: Probe, poll: { nodes: Record<string, NodeObservation>; vms: Record<string, VmObservation> }): ProbeResult {
  if (probe.vm === undefined) {
    return {
      ok: false,
      notRun: true,
      value: { simulated: true },
      error: `not run on the simulator (no network there): give the probe "vm: <name>" to have that VM's simulated state answer it`,
    };
  }
  const vm = poll.vms[probe.vm];
  if (!vm) return { ok: false, value: { simulated: true }, error: `VM ${probe.vm} was not in the poll` };
  const node = poll.nodes[vm.OwnerNode];
  const problems = deviations({ nodes: node ? { [vm.OwnerNode]: node } : {}, vms: { [probe.vm]: vm } });
  if (!node) problems.push(`its owner ${vm.OwnerNode} was not in the poll`);
  const value = { simulated: true, vm: probe.vm, state: vm.State, owner: vm.OwnerNode };
  return problems.length ? { ok: false, value, error: `answered by the simulated VM ${probe.vm}: ${problems.join('; ')}` } : { ok: true, value };
}

async function httpProbe(probe: Extract<Probe, { kind: 'http' }>, ms: () => number): Promise<ProbeResult> {
  const signal = AbortSignal.timeout(probe.timeoutMs);
  let response: Response;
  try {
    response = await fetch(probe.url, { signal, headers: { 'user-agent': 'clusterchaos steady-state probe' } });
  } catch (e) {
    return { ok: false, value: { ms: ms() }, error: signal.aborted ? `no answer from ${probe.url} within ${probe.timeoutMs / 1000} s` : `GET ${probe.url}: ${networkError(e)}` };
  }
  const status = response.status;
  const statusOk = probe.status.length ? probe.status.includes(status) : status >= 200 && status < 300;
  const value: Record<string, unknown> = { status, ms: ms() };
  if (!statusOk) {
    await response.body?.cancel().catch(() => undefined);
    return { ok: false, value, error: `GET ${probe.url} answered ${status}${response.statusText ? ` ${response.statusText}` : ''}, expected ${probe.status.length ? probe.status.join(' or ') : 'a 2xx status'}` };
  }
  if (probe.contains === undefined) {
    await response.body?.cancel().catch(() => undefined);
    return { ok: true, value };
  }
  let body: string;
  try {
    body = await readBody(response);
  } catch (e) {
    return { ok: false, value: { ...value, ms: ms() }, error: signal.aborted ? `the body of ${probe.url} did not arrive within ${probe.timeoutMs / 1000} s` : `GET ${probe.url}: reading the body: ${networkError(e)}` };
  }
  value.ms = ms();
  if (body.includes(probe.contains)) return { ok: true, value };
  return { ok: false, value: { ...value, body: short(body, MAX_OUTPUT) }, error: `GET ${probe.url} answered ${status}, but its body does not contain ${JSON.stringify(probe.contains)}` };
}

/** The body as text, at most MAX_BODY bytes of it. */
async function readBody(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_BODY) break;
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
}

function tcpProbe(probe: Extract<Probe, { kind: 'tcp' }>, ms: () => number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: probe.host, port: probe.port });
    const end = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => end({ ok: false, value: { ms: ms() }, error: `no connection to ${probe.host}:${probe.port} within ${probe.timeoutMs / 1000} s` }), probe.timeoutMs);
    socket.once('connect', () => end({ ok: true, value: { ms: ms(), address: socket.remoteAddress } }));
    socket.once('error', (e) => end({ ok: false, value: { ms: ms() }, error: `connecting to ${probe.host}:${probe.port}: ${networkError(e)}` }));
  });
}

/** Marks the line on which the wrapper reports the script's result, among whatever else the script prints. */
const RESULT_MARK = 'CLUSTERCHAOS-PROBE-RESULT ';

/**
 * Runs the user's script. The script reaches PowerShell in an environment variable, never inside a command
 * line or this wrapper's text, so no quoting of it can go wrong: [scriptblock]::Create parses it as the
 * script it is. Errors stop it ($ErrorActionPreference = 'Stop'); its last output, converted as `if` would
 * ([bool]), says ok or not; no output at all is ok.
 */
const WRAPPER = [
  "$ErrorActionPreference = 'Stop'",
  "$ProgressPreference = 'SilentlyContinue'",
  "if ($PSStyle) { $PSStyle.OutputRendering = 'PlainText' }",
  'try {',
  '  $probe = [scriptblock]::Create($env:CLUSTERCHAOS_PROBE_SCRIPT)',
  '  $out = @(& $probe)',
  '} catch {',
  '  [Console]::Error.WriteLine($_.Exception.Message)',
  '  exit 1',
  '}',
  '$shown = if ($out.Count) { ($out | Out-String -Width 200).Trim() } else { "" }',
  '$last = if ($out.Count) { $out[-1] } else { $null }',
  `[Console]::Out.WriteLine('${RESULT_MARK}' + (@{ ok = ($out.Count -eq 0 -or [bool]$last); outputs = $out.Count; output = $shown } | ConvertTo-Json -Compress))`,
  'exit 0',
].join('\n');

function powerShellProbe(probe: Extract<Probe, { kind: 'powershell' }>, ms: () => number, exe: string): Promise<ProbeResult> {
  const encoded = Buffer.from(WRAPPER, 'utf16le').toString('base64');
  return new Promise((resolve) => {
    // -OutputFormat Text: errors as text on stderr, not the CLIXML an encoded command otherwise writes there
    const child = spawn(exe, ['-NoLogo', '-NoProfile', '-NonInteractive', '-OutputFormat', 'Text', '-EncodedCommand', encoded], {
      env: { ...process.env, CLUSTERCHAOS_PROBE_SCRIPT: probe.script },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      // a group of its own, so a script past its timeout is stopped with whatever it started (the dotnet tool's
      // pwsh is a launcher with PowerShell as its child, which would hold the pipes open)
      detached: process.platform !== 'win32',
    });
    let settled = false;
    const settle = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => void (stdout.length < 64 * 1024 && (stdout += d)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr.length < 64 * 1024 && (stderr += d)));
    const timer = setTimeout(() => {
      stopTree(child.pid);
      child.stdout.destroy();
      child.stderr.destroy();
      settle({ ok: false, value: { ms: ms() }, error: `the script did not finish within ${probe.timeoutMs / 1000} s (stopped)` });
    }, probe.timeoutMs);
    child.once('error', (e) => settle({ ok: false, value: { ms: ms() }, error: `could not start PowerShell (${exe}): ${e.message}` }));
    child.once('close', (code) => {
      const errorText = short(stderr.trim(), MAX_OUTPUT);
      const line = stdout.split(/\r?\n/).find((l) => l.startsWith(RESULT_MARK));
      const value: Record<string, unknown> = { ms: ms(), exitCode: code };
      if (code !== 0) return settle({ ok: false, value, error: `the script failed (exit code ${code})${errorText ? `: ${errorText}` : ''}` });
      // the script ended PowerShell itself (`exit 0`) before the wrapper could report: it ran without error
      if (!line) return settle({ ok: true, value });
      const result = JSON.parse(line.slice(RESULT_MARK.length)) as { ok: boolean; outputs: number; output: string };
      value.output = short(result.output, MAX_OUTPUT);
      if (result.ok) return settle({ ok: true, value });
      settle({ ok: false, value, error: `the script's last output is false: ${JSON.stringify(short(result.output.split(/\r?\n/).at(-1) ?? '', 80))}` });
    });
  });
}

/** Stop a process and every process it started: its group on POSIX (spawned detached), its tree on Windows. */
function stopTree(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    if (process.platform === 'win32') spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    else process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** `ECONNREFUSED` and friends, as a person reads them. */
function networkError(e: unknown): string {
  const err = ((e as { cause?: unknown }).cause ?? e) as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused (nothing listens there)',
    ECONNRESET: 'the connection was reset',
    ENOTFOUND: 'no such host (the name did not resolve)',
    EAI_AGAIN: 'the name could not be resolved now (DNS)',
    EHOSTUNREACH: 'the host cannot be reached',
    ENETUNREACH: 'the network cannot be reached',
    ETIMEDOUT: 'the connection timed out',
  };
  return (err.code && words[err.code]) ? `${words[err.code]} [${err.code}]` : err.message ?? String(e);
}

function short(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * What --dry-run says of the steady state: the cluster's own check, then each probe and how it would run on
 * this target (on the simulator: answered by its VM, or not run).
 */
export function steadyStatePlanLines(steady: { timeoutMs: number; downAfter: readonly string[]; probes?: readonly Probe[] }, target: 'sim' | 'powershell'): string[] {
  const down = steady.downAfter.length ? ` (after the method: ${steady.downAfter.join(', ')} expected down)` : '';
  const probes = steady.probes ?? [];
  const out = [`  steady state, before and after the method: every node Up, every VM Running${down}, within ${steady.timeoutMs / 1000} s${probes.length ? ', then these probes' : ''}`];
  for (const probe of probes) {
    const how = target === 'powershell' ? 'run from this host, the management host' : probe.vm !== undefined ? `answered by the simulated VM ${probe.vm}` : 'not run on the simulator (no network there)';
    out.push(`    probe ${describeProbe(probe)}: ${how}`);
  }
  if (probes.length) out.push('    (before injection each probe runs once: one that fails aborts the run; after the method they are retried until the timeout)');
  return out;
}
