import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/**
 * A real, throwaway Redis for the queue tests: Debian's redis-server on a free loopback port, in a temp folder,
 * nothing saved to disk (`--save '' --appendonly no`), so a restart comes back empty, as a Redis without
 * persistence does after a crash. Which redis-server: .cache/test-tools.json's `redis` (written by
 * scripts/ensure-test-tools.mjs), else CLUSTERCHAOS_REDIS, else redis-server on PATH.
 */
export function redisServerPath(): string {
  try {
    const tools = JSON.parse(readFileSync(join(ROOT, '.cache', 'test-tools.json'), 'utf8')) as { redis?: { path?: string } | null };
    if (tools.redis?.path && existsSync(tools.redis.path)) return tools.redis.path;
  } catch {
    // no record yet: look for it ourselves
  }
  return process.env.CLUSTERCHAOS_REDIS || 'redis-server';
}

/** A port nobody listens on now (redis-server refuses --port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** One PING round trip; true when the server answered PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      answer += d.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

export class TestRedis {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log = '';

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Start a redis-server on a free port and wait until it answers PING. */
  static async start(): Promise<TestRedis> {
    const redis = new TestRedis(await freePort(), mkdtempSync(join(tmpdir(), 'clusterchaos-redis-')));
    await redis.up();
    return redis;
  }

  private async up(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--daemonize', 'no'];
    const child = spawn(redisServerPath(), args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    let exitedEarly: string | undefined;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        exitedEarly = `redis-server exited (${signal ?? code}):\n${this.log.slice(-2000)}`;
        resolve();
      });
      child.on('error', (e) => {
        exitedEarly = `redis-server did not start (${redisServerPath()}): ${e.message}. Run node scripts/ensure-test-tools.mjs`;
        resolve();
      });
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (exitedEarly) throw new Error(exitedEarly);
      if (await ping(this.port)) return;
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer PING within 20 s:\n${this.log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kill it (SIGKILL: a crash, not a shutdown) and wait until it is gone. */
  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    this.child = undefined;
  }

  /** Down and up again on the same port; what it held is gone (no persistence). `downFor` ms between. */
  async restart(downForMs = 0): Promise<void> {
    await this.stop();
    if (downForMs > 0) await new Promise((r) => setTimeout(r, downForMs));
    await this.up();
  }

  /** Stop it and remove its folder. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
