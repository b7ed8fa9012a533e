/**
 * The PowerShell session (session.ts): one long-lived shell through node-powershell, one script at a time.
 *
 * What real PowerShell cannot be made to do on cue — die mid-command, hang, print around or half a frame —
 * runs on the tiny framing fake (fake-shell/: node-powershell's delimiters, answers from a rule table). The
 * set-up itself (the module, the preferences, the credential) runs in real PowerShell 7.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPwsh7 } from '../../src/targets/powershell/executable.js';
import { ANSWER_BEGIN, ANSWER_END, framedAnswer, parseAcknowledgement, parsePoll } from '../../src/targets/powershell/parse.js';
import { PowerShellSession, SESSION_SETUP_SCRIPT, sessionSetupScript } from '../../src/targets/powershell/session.js';
import { OperationError, OperationUnknownError } from '../../src/targets/target.js';
import { FAKE_PWSH, FakeShell, capturedLogger, type Rule } from './fake-shell/harness.js';

const script = (op: string, line = 'Get-ClusterChaosObservation -Cluster HV1'): string => `# clusterchaos ${op}\n${line}\n`;
const framed = (json: unknown): string => `${ANSWER_BEGIN}\n${JSON.stringify(json)}\n${ANSWER_END}`;
const POLL = {
  nodesAt: '2026-11-22T02:00:00.000Z',
  groupsAt: '2026-11-22T02:00:00.000Z',
  nodes: [{ Name: 'N1', State: 'Up', StatusInformation: [] }],
  vms: [],
  unreachable: [],
};

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('the session set-up script', () => {
  it('silences what would reach stdout beside the answers, imports the module, hands over the credential, and holds no value of its own', () => {
    const lines = SESSION_SETUP_SCRIPT.split('\n');
    expect(lines[0]).to.equal('# clusterchaos session');
    for (const preference of ['Progress', 'Warning', 'Information', 'Verbose']) expect(lines).to.include(`  $${preference}Preference = 'SilentlyContinue'`);
    expect(lines).to.include("  $ConfirmPreference = 'None'");
    expect(lines.filter((l) => l.startsWith('Import-Module '))).to.have.length(1);
    expect(lines.some((l) => /^ {2}Initialize-ClusterChaosSession -Credential \$credential$/.test(l))).to.equal(true);
    expect(SESSION_SETUP_SCRIPT.endsWith('\n')).to.equal(true);
    // the rehearsal's stand-ins are imported first, the module last
    const rehearsal = sessionSetupScript({ imports: ['/lab/stand-ins/ClusterChaosLab.psd1'] }).split('\n').filter((l) => l.startsWith('Import-Module '));
    expect(rehearsal.map((l) => /-Name '([^']+)'/.exec(l)?.[1])).to.deep.equal(['/lab/stand-ins/ClusterChaosLab.psd1', rehearsal[1] && /-Name '([^']+)'/.exec(rehearsal[1])![1]]);
    expect(rehearsal[1]).to.match(/ClusterChaos\.psd1' -Global -Force -ErrorAction Stop$/);
  });
});

describe('PowerShell session (node-powershell, the framing fake)', function () {
  this.timeout(20_000);
  let fake: FakeShell;
  let session: PowerShellSession | undefined;
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
    if (savedPassword === undefined) delete process.env.CLUSTERCHAOS_PASSWORD;
    else process.env.CLUSTERCHAOS_PASSWORD = savedPassword;
  });

  it('runs scripts one after the other in one shell, set up once, and returns what they printed', async () => {
    const { session } = open([
      { match: '# clusterchaos poll', stdout: framed(POLL), delayMs: 50 },
      { match: '# clusterchaos get-settings', stdout: framed({ values: { QuarantineDuration: 7200 } }) },
    ]);
    const [a, b] = await Promise.all([session.run({ op: 'poll', script: script('poll') }), session.run({ op: 'get-settings', script: script('get-settings') })]);
    expect(a).to.equal(framed(POLL));
    expect(b).to.equal(framed({ values: { QuarantineDuration: 7200 } }));
    expect(fake.starts()).to.have.length(1);
    expect(fake.starts()[0]!.argv).to.include('-NoProfile');
    expect(fake.commands()[0]).to.equal(SESSION_SETUP_SCRIPT);
    // one at a time: the slow poll was sent before get-settings and finished first
    expect(fake.ops()).to.deep.equal(['poll', 'get-settings']);
  });

  it('returns the output when it holds an answer, even with an error on stderr beside it (logged, not fatal)', async () => {
    const { session, lines } = open([
      { match: 'kill-clussvc', stdout: framed({ at: '2026-11-22T02:00:00.000Z' }), stderr: 'Stop-Process: Access to the path is denied.' },
    ]);
    const out = await session.run({ op: 'kill-clussvc', script: script('kill-clussvc') });
    expect(parseAcknowledgement(out, 'kill-clussvc')).to.deep.equal({ at: '2026-11-22T02:00:00.000Z' });
    expect(lines.some((l) => l.includes('PowerShell wrote to stderr beside its answer') && l.includes('Access to the path is denied'))).to.equal(true);
  });

  it('an error on stderr without an answer is an OperationError with PowerShell\'s message: the call itself failed, nothing ran', async () => {
    const { session } = open([
      {
        match: 'start-clussvc',
        stdout: 'WARNING: Waiting for service',
        stderr: "Start-ClusterChaosService: Cannot validate argument on parameter 'StartType'. The argument \"AutomaticDelayedStart\" does not belong to the set \"Automatic,Manual\".",
      },
      { match: 'poll', stdout: framed(POLL) },
    ]);
    const e = await rejection(session.run({ op: 'start-clussvc', script: script('start-clussvc') }));
    expect(e).to.be.instanceOf(OperationError);
    expect(e.message).to.equal(
      "start-clussvc: Start-ClusterChaosService: Cannot validate argument on parameter 'StartType'. The argument \"AutomaticDelayedStart\" does not belong to the set \"Automatic,Manual\".",
    );
    // the shell is still fine
    expect(parsePoll(await session.run({ op: 'poll', script: script('poll') }), (t) => t).nodes).to.have.keys('N1');
    expect(fake.starts()).to.have.length(1);
  });

  it("strips PowerShell 7's colour codes and 5.1's position lines from the message", async () => {
    const { session } = open([
      { match: 'live-migrate', stderr: '\u001b[31;1mMove-ClusterChaosVm: \u001b[0m\n\u001b[31;1mA parameter cannot be found that matches parameter name \'Nodes\'.\u001b[0m' },
      {
        match: 'stop-cluster-node',
        stderr: ['Stop-ClusterChaosNode : A parameter cannot be found that matches parameter name \'Nodes\'.', 'At line:2 char:1', '+ Stop-ClusterChaosNode -Nodes x', '+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~', '    + CategoryInfo          : InvalidArgument: (:) [Stop-ClusterChaosNode], ParameterBindingException'].join('\r\n'),
      },
    ]);
    expect((await rejection(session.run({ op: 'live-migrate', script: script('live-migrate') }))).message).to.equal(
      "live-migrate: Move-ClusterChaosVm: A parameter cannot be found that matches parameter name 'Nodes'.",
    );
    expect((await rejection(session.run({ op: 'stop-cluster-node', script: script('stop-cluster-node') }))).message).to.equal(
      "stop-cluster-node: Stop-ClusterChaosNode : A parameter cannot be found that matches parameter name 'Nodes'.",
    );
  });

  it('output after the frame is not the answer; a frame that never closes is no answer, whatever stderr says', async () => {
    const { session } = open([
      { match: 'poll', stdout: `WARNING: before\n${framed(POLL)}\nVERBOSE: after the frame` },
      { match: 'isolate-network', stdout: `${ANSWER_BEGIN}\n{"effectiveAt":"2026-11-22T02:00:00.000Z"`, stderr: 'the shell was interrupted' },
    ]);
    // the session hands back everything; parse.ts takes the frame
    const poll = await session.run({ op: 'poll', script: script('poll') });
    expect(poll).to.include('VERBOSE: after the frame');
    expect(parsePoll(poll, (t) => t).nodes.N1).to.deep.equal({ State: 'Up', StatusInformation: [] });
    // half an answer is not a refusal (it may have happened): unknown
    const half = await session.run({ op: 'isolate-network', script: script('isolate-network') });
    const e = (() => {
      try {
        parseAcknowledgement(half, 'isolate-network');
      } catch (error) {
        return error as Error;
      }
      throw new Error('expected it to throw');
    })();
    expect(e).to.be.instanceOf(OperationUnknownError);
    expect(e.message).to.match(/printed no answer of the ClusterChaos module; .*its outcome is unknown$/);
  });

  it('a round trip that takes too long is unknown; the shell is left to finish it, and the next call waits for that', async () => {
    const { session } = open(
      [
        { match: 'stop-cluster-node', stdout: framed({ at: 'x' }), delayMs: 800 },
        { match: 'poll', stdout: framed({ pid: '{{pid}}' }) },
      ],
      { timeoutMs: 500 },
    );
    await session.run({ op: 'poll', script: script('poll') });
    const started = Date.now();
    const e = await rejection(session.run({ op: 'stop-cluster-node', script: script('stop-cluster-node') }));
    expect(e).to.be.instanceOf(OperationUnknownError);
    expect(e.message).to.equal('stop-cluster-node timed out after 0.5 s; its outcome is unknown');
    expect(Date.now() - started).to.be.lessThan(750);
    const poll = await session.run({ op: 'poll', script: script('poll') });
    expect(Date.now() - started).to.be.at.least(790);
    // the same shell answered: it was not killed
    expect(poll).to.equal(framed({ pid: String(fake.starts()[0]!.pid) }));
    expect(fake.starts()).to.have.length(1);
  });

  it('a shell that stays hung for another timeout is killed and replaced; the hung command is never sent again', async () => {
    const { session, lines } = open(
      [
        { match: 'live-migrate', delayMs: 60_000 },
        { match: 'poll', stdout: framed({ pid: '{{pid}}' }) },
      ],
      { timeoutMs: 300 },
    );
    expect(await rejection(session.run({ op: 'live-migrate', script: script('live-migrate') }))).to.be.instanceOf(OperationUnknownError);
    const poll = await session.run({ op: 'poll', script: script('poll') });
    const starts = fake.starts();
    expect(starts).to.have.length(2);
    expect(poll).to.equal(framed({ pid: String(starts[1]!.pid) }));
    expect(fake.ops()).to.deep.equal(['live-migrate', 'poll']);
    expect(lines.join('')).to.match(/still had not finished after another 0\.3 s; starting a new PowerShell session/);
  });

  it('gives a new shell time to start and set up whatever the commands\' timeout; a per-call timeout overrides the session\'s', async () => {
    const { session } = open(
      [
        { match: '# clusterchaos session', delayMs: 800 },
        { match: 'poll', stdout: framed(POLL) },
        { match: 'suspend-node', stdout: framed({ node: 'N2' }), delayMs: 600 },
      ],
      { timeoutMs: 300 },
    );
    expect(await session.run({ op: 'poll', script: script('poll') })).to.equal(framed(POLL));
    expect(await session.run({ op: 'suspend-node', script: script('suspend-node'), timeoutMs: 5_000 })).to.equal(framed({ node: 'N2' }));
  });

  it('a shell that dies mid-command: unknown; the next call sets up a new shell (logged once)', async () => {
    const { session, lines } = open([
      { match: 'isolate-network', exit: 1 },
      { match: 'poll', stdout: framed({ pid: '{{pid}}' }) },
    ]);
    const first = await session.run({ op: 'poll', script: script('poll') });
    const e = await rejection(session.run({ op: 'isolate-network', script: script('isolate-network') }));
    expect(e).to.be.instanceOf(OperationUnknownError);
    expect(e.message).to.equal('the PowerShell session ended during isolate-network (exit code 1); its outcome is unknown');
    const second = await session.run({ op: 'poll', script: script('poll') });
    expect(await session.run({ op: 'poll', script: script('poll') })).to.equal(second);
    const starts = fake.starts();
    expect(starts).to.have.length(2);
    expect([first, second]).to.deep.equal([framed({ pid: String(starts[0]!.pid) }), framed({ pid: String(starts[1]!.pid) })]);
    expect(fake.commands().filter((c) => c === SESSION_SETUP_SCRIPT)).to.have.length(2);
    expect(lines.filter((l) => /PowerShell session re-established/.test(l))).to.have.length(1);
    expect(lines.filter((l) => /session ended \(exit code 1\); starting a new one/.test(l))).to.have.length(1);
  });

  it('a shell that exits cleanly mid-command is lost too, not a success', async () => {
    const { session } = open([{ match: 'set-settings', exit: 0 }, { match: 'poll', stdout: framed(POLL) }]);
    expect(await rejection(session.run({ op: 'set-settings', script: script('set-settings') }))).to.be.instanceOf(OperationUnknownError);
    expect(await session.run({ op: 'poll', script: script('poll') })).to.equal(framed(POLL));
    expect(fake.starts()).to.have.length(2);
  });

  it('a shell that dies while idle does not crash Node and is replaced', async () => {
    const { session } = open([{ match: 'poll', stdout: framed({ pid: '{{pid}}' }) }]);
    await session.run({ op: 'poll', script: script('poll') });
    process.kill(fake.starts()[0]!.pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await session.run({ op: 'poll', script: script('poll') })).to.equal(framed({ pid: String(fake.starts()[1]!.pid) }));
  });

  it('a PowerShell that exits while its session is set up is started once more, and the call goes through', async () => {
    const once = join(mkdtempSync(join(tmpdir(), 'clusterchaos-once-')), 'exited');
    const { session, lines } = open([
      { match: '# clusterchaos session', touch: once, exit: 1, unless: once },
      { match: '# clusterchaos poll', stdout: framed(POLL) },
    ]);
    expect(await session.run({ op: 'poll', script: script('poll') })).to.equal(framed(POLL));
    expect(fake.starts()).to.have.length(2);
    expect(lines.filter((l) => /exited while its session was being set up .*starting it once more/.test(l))).to.have.length(1);
  });

  it('one that exits at its set-up twice fails the call as not done (OperationError), its script never sent', async () => {
    const { session } = open([{ match: '# clusterchaos session', exit: 1 }, { match: '# clusterchaos poll', stdout: framed(POLL) }]);
    const e = await rejection(session.run({ op: 'kill-clussvc', script: script('kill-clussvc') }));
    expect(e).to.be.instanceOf(OperationError);
    expect(e.message).to.match(/^kill-clussvc: could not start a PowerShell session \(twice\): /);
    expect(fake.starts()).to.have.length(2);
    expect(fake.ops()).to.deep.equal([]);
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
      const { session } = open([{ match: 'poll', stdout: framed(POLL) }]);
      expect(await session.run({ op: 'poll', script: script('poll') })).to.equal(framed(POLL));
    } finally {
      if (saved === undefined) delete process.env.NODE_POWERSHELL;
      else process.env.NODE_POWERSHELL = saved;
    }
  });

  it('rejects calls after close, and close disposes the shell', async () => {
    const { session } = open([{ match: 'poll', stdout: framed(POLL) }]);
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
          { match: 'stop-cluster-node', delayMs: 2_000 },
          { match: 'start-cluster-node', exit: 3 },
        ],
        { credential: { username: 'LAB\\chaos', password }, timeoutMs: 300 },
      );
      const errors = [
        await rejection(session.run({ op: 'kill-clussvc', script: script('kill-clussvc') })),
        await rejection(session.run({ op: 'stop-cluster-node', script: script('stop-cluster-node') })),
        await rejection(session.run({ op: 'start-cluster-node', script: script('start-cluster-node') })),
      ];
      expect(errors.map((e) => e.constructor)).to.deep.equal([OperationError, OperationUnknownError, OperationUnknownError]);
      expect(errors[0]!.message).to.equal('kill-clussvc: Access is denied for ***');
      for (const e of errors) expect(`${e.message}\n${e.stack}`).not.to.include(password);
      for (const command of fake.commands()) expect(command).not.to.include(password);
      const starts = fake.starts();
      expect(starts.length).to.be.at.least(1);
      for (const s of starts) expect(s.env).to.deep.equal({ username: 'LAB\\chaos', secret: password, inheritedPassword: null });
      expect(lines.join('\n')).not.to.include(password);
      expect(lines.join('\n')).to.include('as LAB\\\\chaos');
    });

    it('reads CLUSTERCHAOS_USERNAME / CLUSTERCHAOS_PASSWORD from the environment given; without them, the current identity', async () => {
      const { session } = open([{ match: 'poll', stdout: framed(POLL) }], { env: { CLUSTERCHAOS_USERNAME: 'chaos', CLUSTERCHAOS_PASSWORD: password } });
      await session.run({ op: 'poll', script: script('poll') });
      expect(fake.starts()[0]!.env).to.deep.equal({ username: 'chaos', secret: password, inheritedPassword: null });
      await session.close();
      fake.uninstall();
      const other = open([{ match: 'poll', stdout: framed(POLL) }], { env: {} });
      await other.session.run({ op: 'poll', script: script('poll') });
      expect(fake.starts()[0]!.env).to.deep.equal({ username: null, secret: null, inheritedPassword: null });
      expect(other.lines.join('')).to.include('as the current identity');
    });

    it("does not pass the parent's CLUSTERCHAOS_PASSWORD on to the shell", async () => {
      process.env.CLUSTERCHAOS_PASSWORD = password;
      const { session } = open([{ match: 'poll', stdout: framed(POLL) }], { credential: { username: 'u', password: 'other' } });
      await session.run({ op: 'poll', script: script('poll') });
      expect(fake.starts()[0]!.env!.inheritedPassword).to.equal(null);
    });

    it('asks the prompt once, even when the shell is re-established', async () => {
      let asked = 0;
      const { session } = open([{ match: 'die', exit: 1 }, { match: 'poll', stdout: framed(POLL) }], {
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

    it('refuses a user name without a password in the environment, starting nothing', async () => {
      const { session } = open([{ match: 'poll', stdout: framed(POLL) }], { env: { CLUSTERCHAOS_USERNAME: 'chaos' } });
      const e = await rejection(session.run({ op: 'poll', script: script('poll') }));
      expect(e).to.be.instanceOf(OperationError);
      expect(e.message).to.equal('CLUSTERCHAOS_USERNAME is set but CLUSTERCHAOS_PASSWORD is not');
      expect(fake.starts()).to.have.length(0);
    });
  });
});

describe('PowerShell session set-up in real PowerShell 7', function () {
  this.timeout(120_000);
  const pwsh = findPwsh7()?.path;
  const password = "p@ss 'w\u2019rd\" $(x)";
  const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
  let session: PowerShellSession;
  let plain: PowerShellSession;
  const answer = (out: string): Record<string, unknown> => JSON.parse(framedAnswer(out) ?? 'null') as Record<string, unknown>;

  /** What the session's state is after the set-up, read inside the shell (never sending the password). */
  const PROBE = [
    '# clusterchaos probe',
    "Write-Warning 'must not reach stdout 1'; Write-Information 'must not reach stdout 2'; Write-Verbose 'must not reach stdout 3'; Write-Progress -Activity 'must not reach stdout 4'",
    '$module = Get-Module ClusterChaos',
    '$credential = & $module { $script:ClusterChaosCredential }',
    '$hash = $null',
    'if ($credential) { $hash = [BitConverter]::ToString([Security.Cryptography.SHA256]::Create().ComputeHash([Text.Encoding]::UTF8.GetBytes($credential.GetNetworkCredential().Password))).Replace(\'-\', \'\').ToLowerInvariant() }',
    `[ordered]@{ module = $module.Name; exported = @($module.ExportedFunctions.Keys).Count; warning = [string]$WarningPreference; progress = [string]$ProgressPreference; confirm = [string]$ConfirmPreference; user = $(if ($credential) { $credential.UserName } else { $null }); hash = $hash; secretVariable = [string]$env:CLUSTERCHAOS_SESSION_SECRET; userVariable = [string]$env:CLUSTERCHAOS_SESSION_USERNAME } | ConvertTo-Json -Compress | ForEach-Object { '${ANSWER_BEGIN}'; $_; '${ANSWER_END}' }`,
    '',
  ].join('\n');

  before(function () {
    if (!pwsh) throw new Error('PowerShell 7 is needed for these tests: node scripts/ensure-test-tools.mjs installs it');
    const { log } = capturedLogger();
    session = new PowerShellSession({ executable: pwsh, log, env: {}, credential: { username: 'LAB\\chaos', password } });
    plain = new PowerShellSession({ executable: pwsh, log, env: {} });
  });

  after(async () => {
    await Promise.all([session?.close(), plain?.close()]);
  });

  it('imports the ClusterChaos module and leaves warnings, progress and prompts silenced', async () => {
    const out = await session.run({ op: 'probe', script: PROBE });
    expect(out).not.to.match(/WARNING|must not reach stdout/);
    const state = answer(out);
    expect(state).to.include({ module: 'ClusterChaos', warning: 'SilentlyContinue', progress: 'SilentlyContinue', confirm: 'None' });
    expect(state.exported).to.equal(29); // issue 14 added Power, Storage and Witness functions and one network's
  });

  it('hands the credential to Initialize-ClusterChaosSession and clears it from the environment; no script carries it', async () => {
    const state = answer(await session.run({ op: 'probe', script: PROBE }));
    expect(state).to.include({ user: 'LAB\\chaos', hash: sha256(password), secretVariable: '', userVariable: 'LAB\\chaos' });
    expect(SESSION_SETUP_SCRIPT).not.to.include(password);
    expect(PROBE).not.to.include(password);
    // without a credential the module runs as the current identity
    expect(answer(await plain.run({ op: 'probe', script: PROBE }))).to.include({ module: 'ClusterChaos', user: null, hash: null, secretVariable: '' });
  });
});
