import { expect } from 'chai';
import { join } from 'node:path';
import {
  createDryRunTarget,
  createPowerShellTarget,
  PowerShellOutputError,
  PowerShellReadError,
  type PowerShellTarget,
  type PowerShellTargetOptions,
} from '../../src/targets/powershell/index.js';
import { parseEvents, parsePoll } from '../../src/targets/powershell/parse.js';
import { OperationError, OperationUnknownError } from '../../src/targets/target.js';
import type { ClusterDescription } from '../../src/trace/records.js';
import { FAKE_PWSH, FakeShell, capturedLogger, type Rule } from './fake-shell/harness.js';

const description: ClusterDescription = {
  name: 'HVCLUSTER01',
  nodes: ['N1', 'N2', 'N3'],
  vms: [
    { name: 'web01', owner: 'N2', storage: 'smb', memoryGB: 4 },
    { name: "o'brien-db", owner: 'N1', storage: 'csv-block', memoryGB: 8 },
  ],
};
const TAG = 'clusterchaos-3f1c2a9e-5b7d-4c1e-9a2b-1234567890ab';

/** What the poll script prints on PowerShell 7 (one line, -Compress), with a node Isolated and its VM Unmonitored. */
const POLL_JSON = JSON.stringify({
  nodes: [
    { Name: 'N1', State: 'Up', StatusInformation: [] },
    { Name: 'N2', State: 'Up', StatusInformation: ['Isolated'] },
    { Name: 'N3', State: 'Down', StatusInformation: ['Quarantined'] },
  ],
  vms: [
    { Name: 'web01', State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] },
    { Name: "o'brien-db", State: 'PausedCritical', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] },
  ],
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** The value of a `$name = '…'` header line of a script. */
const headerValue = (script: string, name: string): string | undefined => new RegExp(`^\\$${name} = '(.*)'$`, 'm').exec(script)?.[1];

describe('PowerShell target (a fake pwsh)', function () {
  this.timeout(20_000);
  let fake: FakeShell;
  let target: PowerShellTarget | undefined;

  function open(rules: Rule[], options: Partial<PowerShellTargetOptions> = {}) {
    fake = new FakeShell(rules);
    const { log, lines } = capturedLogger();
    target = createPowerShellTarget({ cluster: 'HVCLUSTER01', description, executable: FAKE_PWSH, log, runTag: TAG, env: {}, ...options });
    return { target, lines };
  }

  afterEach(async () => {
    await target?.close();
    target = undefined;
    fake?.uninstall();
  });

  describe('poll', () => {
    it('parses one round trip into node and VM observations, enum names as strings, dated on its clock', async () => {
      const { target } = open([{ match: '^# clusterchaos poll', stdout: POLL_JSON, delayMs: 100 }]);
      const before = target.now();
      const poll = await target.poll();
      const after = target.now();
      expect(poll.nodes).to.deep.equal({
        N1: { State: 'Up', StatusInformation: [] },
        N2: { State: 'Up', StatusInformation: ['Isolated'] },
        N3: { State: 'Down', StatusInformation: ['Quarantined'] },
      });
      expect(poll.vms).to.deep.equal({
        web01: { State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] },
        "o'brien-db": { State: 'PausedCritical', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] },
      });
      expect(poll.t).to.be.within(before, after);
      expect(poll.t).to.be.greaterThan(before); // the middle of the round trip, not its start
      expect(fake.ops()).to.deep.equal(['poll']);
      expect(headerValue(fake.commands()[1]!, 'cluster')).to.equal('HVCLUSTER01');
    });

    it("accepts Windows PowerShell 5.1's lone object for a list of one and its flags as one string", async () => {
      const json = JSON.stringify({
        nodes: { Name: 'N1', State: 'Paused', StatusInformation: 'Isolated, Quarantined' },
        vms: { Name: 'web01', State: 'Off', GroupState: 'Offline', OwnerNode: 'N1', StatusInformation: 'Normal' },
      });
      const poll = parsePoll(json, 5);
      expect(poll).to.deep.equal({
        t: 5,
        nodes: { N1: { State: 'Paused', StatusInformation: ['Isolated', 'Quarantined'] } },
        vms: { web01: { State: 'Off', GroupState: 'Offline', OwnerNode: 'N1', StatusInformation: [] } },
      });
      expect(parsePoll(JSON.stringify({ nodes: { value: [{ Name: 'N1', State: 'Up', StatusInformation: [] }], Count: 1 }, vms: [] }), 0).nodes).to.have.keys('N1');
    });

    it('refuses malformed JSON with a clear error naming the op and showing the first 200 characters', async () => {
      const garbage = 'WARNING: Resulting JSON is truncated as serialization has exceeded the set depth of 2.' + 'x'.repeat(300);
      const { target } = open([{ match: '^# clusterchaos poll', stdout: garbage }]);
      const e = await rejection(target.poll());
      expect(e).to.be.instanceOf(PowerShellOutputError);
      expect(e).not.to.be.instanceOf(OperationUnknownError);
      expect(e.message).to.match(/^poll: PowerShell's answer is not a poll \(\{nodes, vms\}\): it is not JSON/);
      expect(e.message).to.include(JSON.stringify(garbage.slice(0, 200) + '…'));
      expect(e.message).not.to.include(garbage.slice(0, 201));
    });

    it('a poll PowerShell reports an error for, or that times out, is a read error: neither refused nor unknown', async () => {
      const { target } = open(
        [
          { match: '^# clusterchaos poll', stderr: 'Write-Error: clusterchaos poll: The cluster service is not running on HVCLUSTER01.' },
          { match: '^# clusterchaos get-settings', delayMs: 1000, stdout: '{}' },
        ],
        { timeoutMs: 300 },
      );
      const e = await rejection(target.poll());
      expect(e).to.be.instanceOf(PowerShellReadError);
      expect(e).not.to.be.instanceOf(OperationError);
      expect(e.message).to.equal('poll: The cluster service is not running on HVCLUSTER01.');
      const slow = await rejection(target.getSettings());
      expect(slow).to.be.instanceOf(PowerShellReadError);
      expect(slow).not.to.be.instanceOf(OperationUnknownError);
      expect(slow.message).to.match(/^get-settings timed out after 0\.3 s/);
    });

    it('refuses an enum written as its integer, an unknown state and a missing field, saying where', () => {
      const node = (State: unknown) => JSON.stringify({ nodes: [{ Name: 'N1', State, StatusInformation: [] }], vms: [] });
      expect(() => parsePoll(node(0), 0)).to.throw(PowerShellOutputError, /nodes\[0\]\.State should be an enum name \(the script must project \[string\]\$_\.State\), got number 0/);
      expect(() => parsePoll(node('2'), 0)).to.throw(PowerShellOutputError, /nodes\[0\]\.State should be an enum name, not a number/);
      expect(() => parsePoll(node('Sideways'), 0)).to.throw(PowerShellOutputError, /nodes\[0\]\.State should be one of Up, Down, Paused, Joining, Unknown, got "Sideways"/);
      const noOwner = JSON.stringify({ nodes: [{ Name: 'N1', State: 'Up' }], vms: [{ Name: 'web01', State: 'Running', GroupState: 'Online' }] });
      expect(() => parsePoll(noOwner, 0)).to.throw(PowerShellOutputError, /vms\[0\]\.OwnerNode should be a non-empty string, got undefined/);
      expect(() => parsePoll('[]', 0)).to.throw(PowerShellOutputError, /the answer should be an object, got a list/);
      expect(() => parsePoll('', 0)).to.throw(PowerShellOutputError, /it printed nothing/);
    });
  });

  describe('collectEvents', () => {
    const event = (node: string, id: number, time: string, message: string) => ({
      node,
      log: 'System',
      provider: 'Microsoft-Windows-FailoverClustering',
      id,
      level: 'Warning',
      time,
      message,
    });

    it('returns no events when the nodes have none (NoMatchingEventsFound is not an error), whether [] or nothing is printed', async () => {
      const { target } = open([{ match: '^# clusterchaos events', stdout: '[]' }]);
      expect(await target.collectEvents()).to.deep.equal([]);
      expect(parseEvents('')).to.deep.equal([]);
      expect(parseEvents('null')).to.deep.equal([]);
    });

    it('is incremental by time: asks from the last record seen less a second, and never returns one twice', async () => {
      const soon = (s: number) => new Date(Date.now() + s * 1000).toISOString();
      const d = event('N1', 1135, soon(60), "Cluster node 'N3' was removed from the active failover cluster membership.");
      const a = event('N2', 1673, soon(61), "Cluster node 'N2' has entered the isolated state.");
      const b = event('N3', 1672, soon(62), "Cluster node 'N3' has been quarantined.");
      const c = event('n2', 1680, soon(63), "Cluster node 'N2' has exited the isolated state.");
      const { target } = open([{ match: '^# clusterchaos events', stdout: JSON.stringify([b, a, d]) }]);
      const first = await target.collectEvents();
      expect(first.map((e) => e.id)).to.deep.equal([1135, 1673, 1672]); // oldest first
      expect(first[1]).to.include({ node: 'N2', log: 'System', provider: 'Microsoft-Windows-FailoverClustering', level: 'Warning', time: a.time });
      expect(first[1]!.t).to.be.within(61_000 - 50, 61_000 + target.now() + 50);
      // the overlap returns a, b and d again: only c is new (its node spelled as the description spells it)
      fake.setRules([{ match: '^# clusterchaos events', stdout: JSON.stringify([a, b, c, d]) }]);
      const second = await target.collectEvents();
      expect(second.map((e) => [e.node, e.id])).to.deep.equal([['N2', 1680]]);
      expect(await target.collectEvents()).to.deep.equal([]);
      const scripts = fake.commands().filter((x) => x.startsWith('# clusterchaos events'));
      expect(scripts).to.have.length(3);
      expect(scripts[0]).to.include("$nodes = @('N1', 'N2', 'N3')");
      // no earlier than the run's start: now() is a rounded monotonic clock, so allow its millisecond of rounding
      expect(Date.parse(headerValue(scripts[0]!, 'since')!)).to.be.at.most(Date.now() - target.now() + 1);
      // from the earliest of the nodes' newest records (d, on N1) less a second
      expect(Date.parse(headerValue(scripts[1]!, 'since')!)).to.equal(Date.parse(d.time) - 1000);
    });

    it('for a node without records, asks again from shortly before the previous query (node clocks differ from ours)', async () => {
      const a = event('N2', 1673, new Date(Date.now() + 60_000).toISOString(), 'x');
      const { target } = open([{ match: '^# clusterchaos events', stdout: JSON.stringify([a]) }]);
      await target.collectEvents();
      await target.collectEvents();
      const [first, second] = fake.commands().filter((x) => x.startsWith('# clusterchaos events')).map((x) => Date.parse(headerValue(x, 'since')!));
      // N1 and N3 have none: within the first 30 s of the run that is still the run's start
      expect(second).to.equal(first);
    });

    it('a failed collection is logged once and yields nothing; the next one covers the same time again', async () => {
      const { target, lines } = open([{ match: '^# clusterchaos events', stderr: 'Write-Error: clusterchaos events: no node could be reached: WinRM cannot complete the operation.' }]);
      expect(await target.collectEvents()).to.deep.equal([]);
      expect(await target.collectEvents()).to.deep.equal([]);
      expect(lines.filter((l) => l.includes('could not collect event-log records (will try again at the next poll): events: no node could be reached'))).to.have.length(1);
      const scripts = fake.commands().filter((c) => c.startsWith('# clusterchaos events'));
      expect(headerValue(scripts[0]!, 'since')).to.equal(headerValue(scripts[1]!, 'since'));
    });

    it('reads times as ConvertTo-Json writes them in 5.1 and refuses a time without a zone', () => {
      const [e] = parseEvents(JSON.stringify(event('N1', 1135, '/Date(1795000000000)/', 'x')));
      expect(e!.time).to.equal(new Date(1795000000000).toISOString());
      expect(() => parseEvents(JSON.stringify([event('N1', 1135, '2026-11-22T02:00:00', 'x')]))).to.throw(/\[0\]\.time should be an ISO 8601 time with its zone/);
    });
  });

  describe('faults', () => {
    it('maps each fault to its script with the values quoted, and reports what the cluster answered', async () => {
      const { target } = open([
        { match: '^# clusterchaos (kill-clussvc|hold-down-clussvc|start-clussvc|stop-cluster-node|start-cluster-node|isolate-network|restore-network|set-settings)', stdout: '{}' },
        { match: '^# clusterchaos get-settings', stdout: '{"ResiliencyLevel":2,"ResiliencyDefaultPeriod":240,"QuarantineThreshold":3,"QuarantineDuration":7200,"SameSubnetDelay":1000,"SameSubnetThreshold":10}' },
        { match: '^# clusterchaos suspend-node', stdout: '{"node":"N2","totalMs":41250}' },
        { match: '^# clusterchaos resume-node', stdout: '{"node":"N2","totalMs":38000}' },
      ]);
      await target.killClusterService('n2');
      await target.killClusterService('N2', { holdDownMs: 90_000 });
      await target.startClusterService('N2');
      await target.stopClusterNode('N3');
      await target.startClusterNode('N3', { clearQuarantine: true });
      await target.isolateNetwork('N1', { peers: ['N2'], healAfterMs: 45_000 });
      await target.restoreNetwork('N1');
      expect(await target.getSettings()).to.deep.equal({
        ResiliencyLevel: 2,
        ResiliencyDefaultPeriod: 240,
        QuarantineThreshold: 3,
        QuarantineDuration: 7200,
        SameSubnetDelay: 1000,
        SameSubnetThreshold: 10,
      });
      await target.setSettings({ ResiliencyDefaultPeriod: 60 });
      expect(await target.suspendNode('N2', { drain: true, transport: 'SMB' })).to.deep.equal({ node: 'N2', totalMs: 41250, migrations: [] });
      expect(await target.resumeNode('N2', { failback: true })).to.deep.equal({ node: 'N2', totalMs: 38000, migrations: [] });
      expect(fake.ops()).to.deep.equal([
        'kill-clussvc',
        'hold-down-clussvc',
        'start-clussvc',
        'stop-cluster-node',
        'start-cluster-node',
        'isolate-network',
        'restore-network',
        'get-settings',
        'set-settings',
        'suspend-node',
        'resume-node',
      ]);
      const sent = fake.commands().filter((c) => !c.startsWith('# clusterchaos session'));
      expect(headerValue(sent[0]!, 'node')).to.equal('N2'); // the description's spelling
      expect(sent[1]).to.match(/^\$holdDownMs = 90000$/m);
      expect(sent[4]).to.match(/^\$clearQuarantine = \$true$/m);
      expect(sent[5]).to.match(/^\$peers = @\('N2'\)$/m);
      expect(sent[5]).to.match(/^\$healAfterMs = 45000$/m);
      expect(headerValue(sent[5]!, 'tag')).to.equal(TAG);
      expect(headerValue(sent[6]!, 'tag')).to.equal(TAG);
      expect(sent[8]).to.match(/^\$names = @\('ResiliencyDefaultPeriod'\)$/m);
      expect(sent[8]).to.match(/^\$values = @\(60\)$/m);
      expect(sent[9]).to.match(/^\$drain = \$true$/m);
      expect(headerValue(sent[9]!, 'transport')).to.equal('SMB');
    });

    it('turns PowerShell errors on stderr into OperationError with the message (PowerShell 7 and 5.1 formats)', async () => {
      const { target } = open([
        { match: '^# clusterchaos kill-clussvc', stderr: '\u001b[31;1mWrite-Error: \u001b[31;1mclusterchaos kill-clussvc: Cannot find a process with the name "clussvc". Verify the process name and call the cmdlet again.\u001b[0m' },
        {
          match: '^# clusterchaos stop-cluster-node',
          stderr: [
            '& { : clusterchaos stop-cluster-node: The operation failed because the cluster would lose quorum.',
            '    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException',
            '    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException',
          ].join('\r\n'),
        },
      ]);
      const kill = await rejection(target.killClusterService('N2'));
      expect(kill).to.be.instanceOf(OperationError);
      expect(kill.message).to.equal('kill-clussvc: Cannot find a process with the name "clussvc". Verify the process name and call the cmdlet again.');
      const stop = await rejection(target.stopClusterNode('N2'));
      expect(stop).to.be.instanceOf(OperationError);
      expect(stop.message).to.equal('stop-cluster-node: The operation failed because the cluster would lose quorum.');
    });

    it('reports a mutating op whose answer is not JSON as unknown', async () => {
      const { target } = open([{ match: '^# clusterchaos isolate-network', stdout: 'Rule created' }]);
      const e = await rejection(target.isolateNetwork('N2', { healAfterMs: 30_000 }));
      expect(e).to.be.instanceOf(OperationUnknownError);
      expect(e.message).to.equal('isolate-network: PowerShell\'s answer is not JSON: it is not JSON (Unexpected token \'R\', "Rule created" is not valid JSON); it printed: "Rule created"; its outcome is unknown');
    });

    it('reports a timed-out operation as unknown, and the next one still works once the shell has finished', async () => {
      const { target } = open(
        [
          { match: '^# clusterchaos start-clussvc', stdout: '{}', delayMs: 700 },
          { match: '^# clusterchaos poll', stdout: POLL_JSON },
        ],
        { timeoutMs: 400 },
      );
      const e = await rejection(target.startClusterService('N2'));
      expect(e).to.be.instanceOf(OperationUnknownError);
      expect(e.message).to.equal('start-clussvc timed out after 0.4 s; its outcome is unknown');
      expect(Object.keys((await target.poll()).nodes)).to.deep.equal(['N1', 'N2', 'N3']);
      expect(fake.starts()).to.have.length(1);
    });

    it('reports an operation whose shell died as unknown, and the next call runs in a new shell', async () => {
      const { target, lines } = open([
        { match: '^# clusterchaos restore-network', exit: 255 },
        { match: '^# clusterchaos poll', stdout: POLL_JSON },
      ]);
      const e = await rejection(target.restoreNetwork('N2'));
      expect(e).to.be.instanceOf(OperationUnknownError);
      expect(e.message).to.equal('the PowerShell session ended during restore-network (exit code 255); its outcome is unknown');
      await target.poll();
      expect(fake.starts()).to.have.length(2);
      expect(lines.filter((l) => l.includes('re-established'))).to.have.length(1);
    });

    it('refuses a node or VM outside the experiment\'s cluster, and a name it cannot quote, before sending anything', async () => {
      const { target } = open([]);
      const other = await rejection(target.killClusterService('DC01'));
      expect(other).to.be.instanceOf(OperationError);
      expect(other.message).to.equal('no node DC01 in cluster HVCLUSTER01 (nodes: N1, N2, N3); nothing was sent');
      expect(await rejection(target.isolateNetwork('N1', { peers: ['N9'], healAfterMs: 1000 }))).to.be.instanceOf(OperationError);
      expect((await rejection(target.liveMigrate('exchange01', 'N1'))).message).to.match(/^no VM exchange01 in the experiment's cluster HVCLUSTER01/);
      await target.close();
      fake.uninstall();
      const odd = open([], { description: { ...description, nodes: ['N1', 'N2\nStop-Computer'] } });
      const refused = await rejection(odd.target.killClusterService('N2\nStop-Computer'));
      expect(refused).to.be.instanceOf(OperationError);
      expect(refused.message).to.match(/^refused: .*control character.*; nothing was sent$/);
      expect(fake.commands()).to.deep.equal([]);
      expect(fake.starts()).to.deep.equal([]);
    });
  });

  describe('liveMigrate', () => {
    it('returns what the migration did', async () => {
      const { target } = open([{ match: '^# clusterchaos live-migrate', stdout: '{"vm":"o\'brien-db","source":"N1","target":"N3","totalMs":8421}' }]);
      expect(await target.liveMigrate("O'BRIEN-DB", 'N3', { transport: 'Compression', timeoutMs: 60_000 })).to.deep.equal({
        vm: "o'brien-db",
        source: 'N1',
        target: 'N3',
        totalMs: 8421,
        transport: 'Compression',
      });
      const script = fake.commands().find((c) => c.startsWith('# clusterchaos live-migrate'))!;
      expect(script).to.match(/^\$vm = 'o''brien-db'$/m);
    });

    it('a failed migration is an OperationError carrying how far it got', async () => {
      const { target } = open([{ match: '^# clusterchaos live-migrate', stderr: "Write-Error: clusterchaos live-migrate: Live migration of 'web01' failed." }]);
      const e = (await rejection(target.liveMigrate('web01', 'N3'))) as OperationError;
      expect(e).to.be.instanceOf(OperationError);
      expect(e.message).to.equal("live-migrate: Live migration of 'web01' failed.");
      expect(e.value).to.deep.equal({ vm: 'web01', source: 'N2', target: 'N3' });
    });

    it('cancels a migration that overruns its timeout through a second session, and reports it cancelled', async () => {
      fake = new FakeShell([]);
      const cancelled = join(fake.dir, 'cancelled');
      fake.setRules([
        { match: '^# clusterchaos live-migrate', waitFor: cancelled, delayMs: 10_000, stderr: "Write-Error: clusterchaos live-migrate: The operation 'Move' for 'web01' was cancelled." },
        { match: '^# clusterchaos cancel-live-migration', touch: cancelled, stdout: '{}' },
      ]);
      const { log, lines } = capturedLogger();
      target = createPowerShellTarget({ cluster: 'HVCLUSTER01', description, executable: FAKE_PWSH, log, runTag: TAG, env: {} });
      const started = Date.now();
      const e = (await rejection(target.liveMigrate('web01', 'N3', { timeoutMs: 500 }))) as OperationError;
      expect(e).to.be.instanceOf(OperationError);
      expect(e.message).to.equal(
        "live migration of web01 to N3 did not complete within 0.5 s and was cancelled: live-migrate: The operation 'Move' for 'web01' was cancelled.",
      );
      expect(e.value).to.deep.equal({ vm: 'web01', source: 'N2', target: 'N3' });
      expect(Date.now() - started).to.be.lessThan(5_000);
      // the cancel went through another shell while the first was busy with the move
      const byPid = new Map<number, string[]>();
      for (const entry of fake.entries()) if (entry.command) byPid.set(entry.pid, [...(byPid.get(entry.pid) ?? []), /^# clusterchaos (\S+)/.exec(entry.command)![1]!]);
      expect([...byPid.values()]).to.deep.equal([
        ['session', 'live-migrate'],
        ['session', 'cancel-live-migration'],
      ]);
      expect(lines.join('')).to.include('live migration of web01 to N3 did not complete within 0.5 s; cancelled it');
    });

    it('reports a migration it could not cancel, and that never answers, as unknown', async () => {
      const { target } = open(
        [
          { match: '^# clusterchaos live-migrate', delayMs: 30_000 },
          { match: '^# clusterchaos cancel-live-migration', stderr: 'Write-Error: clusterchaos cancel-live-migration: The cluster service is not running.' },
        ],
        { timeoutMs: 400 },
      );
      const e = (await rejection(target.liveMigrate('web01', 'N3', { timeoutMs: 300 }))) as OperationUnknownError;
      expect(e).to.be.instanceOf(OperationUnknownError);
      expect(e.message).to.equal(
        'live migration of web01 to N3 did not complete within 0.3 s and could not be cancelled (cancel-live-migration: The cluster service is not running.); live-migrate timed out after 0.7 s; its outcome is unknown',
      );
      expect(e.value).to.deep.equal({ vm: 'web01', source: 'N2', target: 'N3' });
    });

    it('a migration that completes although it overran (the cancel came too late) is a success', async () => {
      fake = new FakeShell([]);
      const cancelled = join(fake.dir, 'cancelled');
      fake.setRules([
        { match: '^# clusterchaos live-migrate', waitFor: cancelled, delayMs: 10_000, stdout: '{"vm":"web01","source":"N2","target":"N3","totalMs":900}' },
        { match: '^# clusterchaos cancel-live-migration', touch: cancelled, stderr: 'Write-Error: clusterchaos cancel-live-migration: No migration in progress.' },
      ]);
      const { log } = capturedLogger();
      target = createPowerShellTarget({ cluster: 'HVCLUSTER01', description, executable: FAKE_PWSH, log, runTag: TAG, env: {} });
      expect(await target.liveMigrate('web01', 'N3', { timeoutMs: 300 })).to.deep.equal({ vm: 'web01', source: 'N2', target: 'N3', totalMs: 900 });
    });
  });

  it('residue: the scan in one read-only round trip, in the shape the safety scan reads', async () => {
    const { target } = open([
      {
        match: '^# clusterchaos residue',
        stdout: JSON.stringify({
          nodes: [
            { Name: 'N1', State: 'Up', StatusInformation: [] },
            { Name: 'N2', State: 'Paused', StatusInformation: [] },
          ],
          firewallRules: `N2/${TAG}-Inbound-UDP`,
          tasks: [`N2/${TAG}-heal`],
          settings: { ResiliencyDefaultPeriod: 60 },
          unchecked: ['N3'],
        }),
      },
    ]);
    expect(await target.residue({ tag: TAG, settings: { ResiliencyDefaultPeriod: 240 } })).to.deep.equal({
      nodes: [
        { Name: 'N1', State: 'Up', StatusInformation: [] },
        { Name: 'N2', State: 'Paused', StatusInformation: [] },
      ],
      firewallRules: [`N2/${TAG}-Inbound-UDP`],
      tasks: [`N2/${TAG}-heal`],
      settings: { ResiliencyDefaultPeriod: 60 },
      unchecked: ['N3'],
    });
  });

  it('sleep really waits and now() is wall time since construction', async () => {
    const { target } = open([]);
    const t0 = target.now();
    await target.sleep(120);
    // it really waited; the bound above catches a unit mistake, not a busy machine's timer latency
    expect(target.now() - t0).to.be.within(110, 2_000);
    expect(target.kind).to.equal('powershell');
    expect(target.describe()).to.equal(description);
  });

  describe('dry run', () => {
    it('records the exact scripts, marks the mutating ones, spawns nothing, and does not wait', async () => {
      fake = new FakeShell([]);
      const { log } = capturedLogger();
      const { target: dry, recorder } = createDryRunTarget({ cluster: 'HVCLUSTER01', description, runTag: TAG, log });
      target = dry;
      const poll = await dry.poll();
      expect(poll.nodes.N1).to.deep.equal({ State: 'Up', StatusInformation: [] });
      expect(poll.vms["o'brien-db"]!.OwnerNode).to.equal('N1');
      expect(recorder.take().map((p) => [p.op, p.mutating])).to.deep.equal([['poll', false]]);
      await dry.killClusterService('N2', { holdDownMs: 60_000 });
      const t = dry.now();
      await dry.sleep(600_000);
      expect(dry.now() - t).to.be.at.least(600_000);
      expect(await dry.liveMigrate("o'brien-db", 'N3', { timeoutMs: 1000 })).to.include({ vm: "o'brien-db", source: 'N1', target: 'N3' });
      await dry.startClusterService('N2');
      const planned = recorder.take();
      expect(planned.map((p) => [p.op, p.mutating])).to.deep.equal([
        ['hold-down-clussvc', true],
        ['live-migrate', true],
        ['start-clussvc', true],
      ]);
      expect(planned[0]!.script.split('\n').slice(0, 4)).to.deep.equal(['# clusterchaos hold-down-clussvc', "$cluster = 'HVCLUSTER01'", "$node = 'N2'", '$holdDownMs = 60000']);
      expect(await dry.getSettings()).to.include({ ResiliencyLevel: 0 });
      expect(fake.starts()).to.deep.equal([]);
    });
  });
});
