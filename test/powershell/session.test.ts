import { expect } from 'chai';
import { PowerShellSession, SESSION_SETUP_SCRIPT } from '../../src/targets/powershell/session.js';
import { OperationError, OperationUnknownError } from '../../src/targets/target.js';
import { FAKE_PWSH, FakeShell, capturedLogger, type Rule } from './fake-shell/harness.js';
import { readScriptHeader } from './ps-tokenizer.js';

const script = (op: string, body = ''): string => `# clusterchaos ${op}\n$cluster = 'HV1'\n${body}`;

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('the session set-up script', () => {
  it('has the shape of every script: its marker, no values, one dot-sourced block, and an empty line to run it', () => {
    const header = readScriptHeader(SESSION_SETUP_SCRIPT);
    expect(header.op).to.equal('session');
    expect(header.values).to.deep.equal({});
    const body = SESSION_SETUP_SCRIPT.slice(header.end).trim().split('\n').filter((l) => !l.startsWith('#'));
    expect(body[0]).to.equal('. {');
    expect(body.at(-1)).to.equal('}');
    expect(body.slice(1, -1).every((l) => l.trim() !== '')).to.equal(true); // no empty line inside the block
    expect(SESSION_SETUP_SCRIPT.endsWith('}\n')).to.equal(true);
  });
});

describe('PowerShell session (node-powershell, a fake pwsh)', function () {
  this.timeout(20_000);
  let fake: FakeShell;
  let session: PowerShellSession | undefined;
  const savedUser = process.env.CLUSTERCHAOS_USERNAME;
  const savedPassword = process.env.CLUSTERCHAOS_PASSWORD;

  function open(rules: Rule[], options: Partial<ConstructorParameters<typeof PowerShellSession>[0]> = {}) {
    fake = new FakeShell(rules);
    const { log, lines } = capturedLogger();
    session = new PowerShellSession({ executable: FAKE_PWSH, log, env: {}, ...options });
    return { session, lines };
  }

  afterEach(async () => {
    await session?.close();
    session = undefined;
    fake?.uninstall();
    if (savedUser === undefined) delete process.env.CLUSTERCHAOS_USERNAME;
    else process.env.CLUSTERCHAOS_USERNAME = savedUser;
    if (savedPassword === undefined) delete process.env.CLUSTERCHAOS_PASSWORD;
    else process.env.CLUSTERCHAOS_PASSWORD = savedPassword;
  });

  it('runs scripts one after the other in one shell, set up once, and returns what they printed', async () => {
    const { session } = open([
      { match: '# clusterchaos poll', stdout: '{"nodes":[],"vms":[]}', delayMs: 50 },
      { match: '# clusterchaos get-settings', stdout: '{"QuarantineDuration":7200}' },
    ]);
    const [a, b] = await Promise.all([session.run({ op: 'poll', script: script('poll') }), session.run({ op: 'get-settings', script: script('get-settings') })]);
    expect(a).to.equal('{"nodes":[],"vms":[]}');
    expect(b).to.equal('{"QuarantineDuration":7200}');
    expect(fake.starts()).to.have.length(1);
    expect(fake.commands()[0]).to.equal(SESSION_SETUP_SCRIPT);
    // serialized: the slow poll was sent before get-settings and finished first
    expect(fake.ops()).to.deep.equal(['poll', 'get-settings']);
    expect(fake.starts()[0]!.argv).to.include('-NoProfile');
  });

  it('turns output on stderr into an OperationError carrying PowerShell\'s message', async () => {
    const { session } = open([
      {
        match: 'kill-clussvc',
        stderr: "Stop-Process: Cannot find a process with the name \"clussvc\". Verify the process name and call the cmdlet again.",
      },
      { match: 'poll', stdout: '{}' },
    ]);
    const e = await rejection(session.run({ op: 'kill-clussvc', script: script('kill-clussvc') }));
    expect(e).to.be.instanceOf(OperationError);
    expect(e.message).to.equal('kill-clussvc: Stop-Process: Cannot find a process with the name "clussvc". Verify the process name and call the cmdlet again.');
    // the session is still fine
    expect(await session.run({ op: 'poll', script: script('poll') })).to.equal('{}');
    expect(fake.starts()).to.have.length(1);
  });

  it('strips colour codes and line breaks from PowerShell 7 error text', async () => {
    const { session } = open([{ match: 'Move-VM', stderr: '\u001b[31;1mMove-ClusterVirtualMachineRole: \u001b[0m\n\u001b[31;1mAn error occurred\u001b[0m' }]);
    const e = await rejection(session.run({ op: 'live-migrate', script: script('live-migrate', 'Move-VM') }));
    expect(e.message).to.equal('live-migrate: Move-ClusterVirtualMachineRole: An error occurred');
  });

  it('reports a round trip that takes too long as unknown, and the next call waits for the shell to finish', async () => {
    const { session } = open(
      [
        { match: 'stop-node', stdout: '{"node":"N2"}', delayMs: 800 },
        { match: 'poll', stdout: '{"n":{{pid}}}' },
      ],
      { timeoutMs: 500 },
    );
    await session.run({ op: 'poll', script: script('poll') });
    const started = Date.now();
    const e = await rejection(session.run({ op: 'stop-node', script: script('stop-node') }));
    expect(e).to.be.instanceOf(OperationUnknownError);
    expect(e.message).to.equal('stop-node timed out after 0.5 s; its outcome is unknown');
    expect(Date.now() - started).to.be.lessThan(750);
    // within another timeout the shell finishes stop-node, then answers the poll
    const poll = await session.run({ op: 'poll', script: script('poll') });
    expect(Date.now() - started).to.be.at.least(790);
    // the same shell answered: it was left to finish, not killed
    expect(poll).to.equal(`{"n":${fake.starts()[0]!.pid}}`);
    expect(fake.starts()).to.have.length(1);
  });

  it('gives up on a shell that stays stuck for another timeout and starts a new one', async () => {
    const { session, lines } = open(
      [
        { match: 'live-migrate', delayMs: 60_000 },
        { match: 'poll', stdout: '{"n":{{pid}}}' },
      ],
      { timeoutMs: 300 },
    );
    expect(await rejection(session.run({ op: 'live-migrate', script: script('live-migrate') }))).to.be.instanceOf(OperationUnknownError);
    const poll = await session.run({ op: 'poll', script: script('poll') });
    const starts = fake.starts();
    expect(starts).to.have.length(2);
    expect(poll).to.equal(`{"n":${starts[1]!.pid}}`);
    expect(lines.join('')).to.match(/still had not finished/);
  });

  it('gives a new shell time to start and set up (PowerShell and its modules load slowly), whatever the commands\' timeout', async () => {
    const { session } = open([{ match: '# clusterchaos session', delayMs: 800 }, { match: '# clusterchaos poll', stdout: '{"nodes":[],"vms":[]}' }], { timeoutMs: 300 });
    expect(await session.run({ op: 'poll', script: script('poll') })).to.equal('{"nodes":[],"vms":[]}');
  });

  it('a per-call timeout overrides the session timeout (long operations)', async () => {
    const { session } = open([{ match: 'drain', stdout: '{"ok":1}', delayMs: 600 }], { timeoutMs: 200 });
    expect(await session.run({ op: 'drain', script: script('drain'), timeoutMs: 5_000 })).to.equal('{"ok":1}');
  });

  it('reports a shell that dies mid-call as unknown, and the next call uses a new shell (logged once)', async () => {
    const { session, lines } = open([
      { match: 'isolate-network', exit: 1 },
      { match: 'poll', stdout: '{"n":{{pid}}}' },
    ]);
    const first = await session.run({ op: 'poll', script: script('poll') });
    const e = await rejection(session.run({ op: 'isolate-network', script: script('isolate-network') }));
    expect(e).to.be.instanceOf(OperationUnknownError);
    expect(e.message).to.match(/^the PowerShell session ended during isolate-network \(exit code 1\); its outcome is unknown$/);
    const second = await session.run({ op: 'poll', script: script('poll') });
    const third = await session.run({ op: 'poll', script: script('poll') });
    const starts = fake.starts();
    expect(starts).to.have.length(2);
    expect(first).to.equal(`{"n":${starts[0]!.pid}}`);
    expect(second).to.equal(`{"n":${starts[1]!.pid}}`);
    expect(third).to.equal(second);
    // the new shell was set up again
    expect(fake.commands().filter((c) => c === SESSION_SETUP_SCRIPT)).to.have.length(2);
    expect(lines.filter((l) => /PowerShell session re-established/.test(l))).to.have.length(1);
    expect(lines.filter((l) => /session ended \(exit code 1\); starting a new one/.test(l))).to.have.length(1);
  });

  it('a shell that exits cleanly (exit 0) mid-call is also lost, not a success', async () => {
    const { session } = open([{ match: 'set-settings', exit: 0 }, { match: 'poll', stdout: '{}' }]);
    const e = await rejection(session.run({ op: 'set-settings', script: script('set-settings') }));
    expect(e).to.be.instanceOf(OperationUnknownError);
    expect(await session.run({ op: 'poll', script: script('poll') })).to.equal('{}');
    expect(fake.starts()).to.have.length(2);
  });

  it('a shell that dies while idle does not crash Node and is replaced', async () => {
    const { session } = open([{ match: 'poll', stdout: '{"n":{{pid}}}' }]);
    await session.run({ op: 'poll', script: script('poll') });
    process.kill(fake.starts()[0]!.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = await session.run({ op: 'poll', script: script('poll') });
    expect(fake.starts()).to.have.length(2);
    expect(again).to.equal(`{"n":${fake.starts()[1]!.pid}}`);
  });

  it('a PowerShell that cannot be started fails the call as not done (OperationError), naming the cause', async () => {
    const { session } = open([], { executable: '/nonexistent/pwsh' });
    const e = await rejection(session.run({ op: 'kill-clussvc', script: script('kill-clussvc') }));
    expect(e).to.be.instanceOf(OperationError);
    expect(e.message).to.match(/^kill-clussvc: could not start a PowerShell session: .*ENOENT/);
  });

  it('the executable option wins over NODE_POWERSHELL', async () => {
    const saved = process.env.NODE_POWERSHELL;
    process.env.NODE_POWERSHELL = '/nonexistent/pwsh';
    try {
      const { session } = open([{ match: 'poll', stdout: '{}' }]);
      expect(await session.run({ op: 'poll', script: script('poll') })).to.equal('{}');
    } finally {
      if (saved === undefined) delete process.env.NODE_POWERSHELL;
      else process.env.NODE_POWERSHELL = saved;
    }
  });

  it('rejects calls after close, and close disposes the shell', async () => {
    const { session } = open([{ match: 'poll', stdout: '{}' }]);
    await session.run({ op: 'poll', script: script('poll') });
    const pid = fake.starts()[0]!.pid;
    await session.close();
    expect(() => process.kill(pid, 0)).to.throw();
    expect(await rejection(session.run({ op: 'poll', script: script('poll') }))).to.be.instanceOf(OperationError);
  });

  describe('credentials', () => {
    const password = "S3cr3t-'pa$$`word\u2019";

    it('hands the password to the shell through its environment only, never in a script, a message or a log line', async () => {
      const { session, lines } = open(
        [
          { match: 'kill-clussvc', stderr: `Access is denied for ${password}` },
          { match: 'stop-node', delayMs: 2_000 },
          { match: 'start-node', exit: 3 },
        ],
        { credential: { username: 'LAB\\chaos', password }, timeoutMs: 300 },
      );
      const errors = [
        await rejection(session.run({ op: 'kill-clussvc', script: script('kill-clussvc') })),
        await rejection(session.run({ op: 'stop-node', script: script('stop-node') })),
        await rejection(session.run({ op: 'start-node', script: script('start-node') })),
      ];
      expect(errors.map((e) => e.constructor)).to.deep.equal([OperationError, OperationUnknownError, OperationUnknownError]);
      // PowerShell echoed it in an error: scrubbed
      expect(errors[0]!.message).to.equal('kill-clussvc: Access is denied for ***');
      for (const e of errors) {
        expect(e.message).not.to.include(password);
        expect(String(e.stack)).not.to.include(password);
      }
      const entries = fake.entries();
      for (const command of fake.commands()) expect(command).not.to.include(password);
      // the shells got it in their environment, and not the parent's variable
      const starts = fake.starts();
      expect(starts.length).to.be.at.least(1);
      for (const s of starts) expect(s.env).to.deep.equal({ username: 'LAB\\chaos', secret: password, inheritedPassword: null });
      expect(entries.length).to.be.greaterThan(3);
      expect(lines.join('\n')).not.to.include(password);
      expect(lines.join('\n')).to.include('as LAB\\\\chaos');
    });

    it('reads CLUSTERCHAOS_USERNAME / CLUSTERCHAOS_PASSWORD from the environment; without them, the current identity', async () => {
      const { session } = open([{ match: 'poll', stdout: '{}' }], { env: { CLUSTERCHAOS_USERNAME: 'chaos', CLUSTERCHAOS_PASSWORD: password } });
      await session.run({ op: 'poll', script: script('poll') });
      expect(fake.starts()[0]!.env).to.deep.equal({ username: 'chaos', secret: password, inheritedPassword: null });
      await session.close();
      fake.uninstall();
      const other = open([{ match: 'poll', stdout: '{}' }], { env: {} });
      await other.session.run({ op: 'poll', script: script('poll') });
      expect(fake.starts()[0]!.env).to.deep.equal({ username: null, secret: null, inheritedPassword: null });
      expect(other.lines.join('')).to.include('as the current identity');
    });

    it('does not pass an inherited CLUSTERCHAOS_PASSWORD on to the shell', async () => {
      process.env.CLUSTERCHAOS_PASSWORD = password;
      const { session } = open([{ match: 'poll', stdout: '{}' }], { credential: { username: 'u', password: 'other' } });
      await session.run({ op: 'poll', script: script('poll') });
      expect(fake.starts()[0]!.env!.inheritedPassword).to.equal(null);
    });

    it('asks the prompt once, even when the session is re-established', async () => {
      let asked = 0;
      const { session } = open([{ match: 'die', exit: 1 }, { match: 'poll', stdout: '{}' }], {
        credential: async () => {
          asked++;
          return { username: 'chaos', password };
        },
      });
      await session.run({ op: 'poll', script: script('poll') });
      await rejection(session.run({ op: 'die', script: script('die') }));
      await session.run({ op: 'poll', script: script('poll') });
      expect(asked).to.equal(1);
      expect(fake.starts().map((s) => s.env!.secret)).to.deep.equal([password, password]);
    });

    it('refuses a user name without a password in the environment, sending nothing', async () => {
      const { session } = open([{ match: 'poll', stdout: '{}' }], { env: { CLUSTERCHAOS_USERNAME: 'chaos' } });
      const e = await rejection(session.run({ op: 'poll', script: script('poll') }));
      expect(e.message).to.equal('CLUSTERCHAOS_USERNAME is set but CLUSTERCHAOS_PASSWORD is not');
      expect(fake.starts()).to.have.length(0);
    });
  });
});
