/**
 * The lab's HTTP side: one POST <url>/call per stand-in call (README.md), dispatched to the command's
 * handler after the per-call latency (virtual time), answered as { output, warnings, errors, terminating }.
 * The lab-only commands (Lab-Now, Lab-Sleep, Lab-Context) and the session count (New-PSSession) live here.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Call, Terminating, type LabAnswer, type LabRequest } from './call.js';
import { LabClosedError, WaitAbandonedError } from './clock.js';
import { LAB_DOMAIN, type LabWorld } from './world.js';

export type Handler = (call: Call) => void | Promise<void>;
export type Handlers = Record<string, Handler>;

/** The largest request body the lab reads (a stand-in call is a few KB). */
const MAX_BODY = 16 * 1024 * 1024;

const labCommands: Handlers = {
  /** The clock where the call runs: the node's (with its skew) or the management host's, as UTC. */
  'Lab-Now': (call) => {
    call.output.push({ utc: new Date(call.world.clockOf(call.node)).toISOString() });
  },

  /** Start-Sleep: returns when that much virtual time has passed. */
  'Lab-Sleep': async (call) => {
    const ms = call.num('Milliseconds') ?? 0;
    if (!(ms >= 0)) throw new Terminating(`Lab-Sleep needs Milliseconds ≥ 0, got ${ms}`, 'ClusterChaosLabBadRequest', 'InvalidArgument');
    await call.wait({ ms });
  },

  /**
   * What the stand-ins emulate: the PowerShell edition, the computer names that exist (each node's, then its
   * FQDN) and those WinRM cannot reach, the remote sessions' language mode, the build, the time zone.
   */
  'Lab-Context': (call) => {
    const { world } = call;
    const names = (nodes: readonly string[]) => [...nodes, ...nodes.map((n) => `${n}.${LAB_DOMAIN}`)];
    call.output.push({
      edition: world.o.edition ?? 'core',
      unreachable: names(world.nodes.filter((n) => world.unreachableNow(n))),
      nodes: names(world.nodes),
      languageMode: world.o.languageMode ?? 'FullLanguage',
      build: world.build(),
      timeZone: world.timeZone,
    });
  },

  /** The stand-in opened remote sessions to these nodes: the lab counts them (Lab.sessionsOpened). */
  'New-PSSession': (call) => {
    for (const name of call.strings('ComputerName') ?? []) {
      const node = call.world.nodeOf(name) ?? name;
      call.world.sessions[node] = (call.world.sessions[node] ?? 0) + 1;
    }
  },
};

/** Serve one request: check where it runs, wait the per-call latency, run the command, collect the simulator's records. */
export async function dispatch(world: LabWorld, handlers: Handlers, request: LabRequest, signal?: AbortSignal): Promise<LabAnswer> {
  const lab = request.command.startsWith('Lab-');
  world.calls.push({ process: request.process, node: request.node, compat: request.compat, command: request.command, parameters: request.parameters, at: world.co.now() });
  let call: Call | undefined;
  try {
    const node = request.node === null ? null : world.nodeOf(request.node);
    if (node === undefined) {
      throw new Terminating(`The rehearsal lab has no node '${request.node}' (nodes: ${world.nodes.join(', ')}).`, 'ClusterChaosLabUnknownNode', 'InvalidArgument', request.node);
    }
    // WinRM cannot reach a node set unreachable, nor one whose OS does not run (powered off, booting)
    if (node !== null && world.unreachableNow(node)) {
      throw new Terminating(
        `Connecting to remote server ${node} failed with the following error message : WinRM cannot complete the operation. Verify that the specified computer name is valid, that the computer is accessible over the network, and that a firewall exception for the WinRM service is enabled and allows access from this computer.`,
        'WinRMOperationTimeout,PSSessionStateBroken',
        'OpenError',
        node,
      );
    }
    call = new Call(world, request, node, signal);
    const handler = labCommands[request.command] ?? handlers[request.command];
    if (!handler) {
      throw new Terminating(`The rehearsal lab does not implement ${request.command} (src/targets/powershell/rehearsal/COMMANDS.md lists what it does).`, `NotSupportedByRehearsalLab,${request.command}`, 'NotImplemented');
    }
    const latency = world.o.latencyMs ?? 0;
    if (!lab && latency > 0) await call.wait({ ms: latency });
    await handler(call);
    return call.answer();
  } catch (e) {
    const base = call?.answer() ?? { output: [], warnings: [], errors: [] };
    if (e instanceof Terminating) return { ...base, terminating: e.record() };
    if (e instanceof LabClosedError || e instanceof WaitAbandonedError) return { ...base, terminating: { message: e.message, id: 'ClusterChaosLabClosed', category: 'OperationStopped' } };
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    return { ...base, terminating: { message: `clusterchaos lab: internal error in ${request.command}: ${message}`, id: 'ClusterChaosLabInternalError', category: 'NotSpecified' } };
  } finally {
    world.collectEvents();
    world.co.kick();
  }
}

/** Read and check a request body: the fields README.md names. */
function parseRequest(body: string): LabRequest {
  const r = JSON.parse(body) as Partial<LabRequest>;
  if (typeof r !== 'object' || r === null || typeof r.command !== 'string') throw new Error('a lab request is a JSON object with a "command"');
  return {
    process: typeof r.process === 'string' && r.process ? r.process : 'main',
    node: typeof r.node === 'string' && r.node ? r.node : null,
    compat: r.compat === true,
    command: r.command,
    ...(typeof r.parameterSet === 'string' ? { parameterSet: r.parameterSet } : {}),
    parameters: typeof r.parameters === 'object' && r.parameters !== null && !Array.isArray(r.parameters) ? r.parameters : {},
  };
}

/** The HTTP server on 127.0.0.1: POST /<token>/call only. */
export class LabServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async listen(serve: (request: LabRequest, signal: AbortSignal) => Promise<LabAnswer>): Promise<LabServer> {
    const token = randomBytes(16).toString('hex');
    const server = createServer((req, res) => void handle(req, res, token, serve));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new LabServer(server, `http://127.0.0.1:${port}/${token}`);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, token: string, serve: (request: LabRequest, signal: AbortSignal) => Promise<LabAnswer>): Promise<void> {
  const reply = (status: number, body: unknown) => {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'POST' || req.url !== `/${token}/call`) return reply(404, { error: 'not the clusterchaos lab (POST <lab url>/call)' });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return reply(413, { error: `a lab request is at most ${MAX_BODY} bytes` });
    chunks.push(chunk);
  }
  let request: LabRequest;
  try {
    request = parseRequest(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    return reply(400, { error: `not a lab request: ${(e as Error).message}` });
  }
  // A connection that closes before the answer: the process that asked is gone; what it waits for is dropped
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  reply(200, await serve(request, gone.signal));
}
