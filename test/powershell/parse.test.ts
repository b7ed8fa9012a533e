/**
 * parse.ts on its own: the module's framed answers as strings, no shell. What the target makes of an answer
 * it cannot trust: a read that fails is a PowerShellReadError (an error to report, nothing was done), a
 * mutating call whose answer makes no sense has an unknown outcome, and a failure the module reported inside
 * the frame is a refusal (OperationError) or a failed read.
 */
import { expect } from 'chai';
import {
  ANSWER_BEGIN,
  ANSWER_END,
  framedAnswer,
  parseAcknowledgement,
  parseConfiguration,
  parseConnect,
  parseDrain,
  parseEvents,
  parseLiveMigration,
  parsePoll,
  parsePollAnswer,
  parseResidue,
  parseSetSettings,
  parseSettings,
  PowerShellOutputError,
  PowerShellReadError,
  toClusterEvent,
} from '../../src/targets/powershell/parse.js';
import { OperationError, OperationUnknownError, ReadError } from '../../src/targets/target.js';

/** An answer as the module prints it: the frame around one line of JSON. */
const framed = (json: unknown): string => `${ANSWER_BEGIN}\n${typeof json === 'string' ? json : JSON.stringify(json)}\n${ANSWER_END}`;

const NODES = [
  { Name: 'N1', State: 'Up', StatusInformation: [], DrainStatus: 'NotInitiated' },
  { Name: 'N2', State: 'Up', StatusInformation: ['Isolated'], DrainStatus: 'NotInitiated' },
  { Name: 'N3', State: 'Down', StatusInformation: ['Quarantined'], DrainStatus: 'NotInitiated' },
];
const VMS = [
  { Name: 'web01', Group: 'web01', State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] },
  { Name: "o'brien-db", Group: 'SCVMM obrien Resources', State: 'PausedCritical', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] },
];
const POLL = { nodesAt: '2026-11-22T02:00:01.250Z', nodes: NODES, groupsAt: '2026-11-22T02:00:01.500Z', vms: VMS, vmsAt: {}, unreachable: [] };
const RUN_START = Date.parse('2026-11-22T02:00:00.000Z');
const toT = (epoch: number): number => epoch - RUN_START;

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected it to throw');
}

describe('parse.ts: the frame', () => {
  it('finds the JSON between the frame lines, whatever PowerShell printed around it (review B3)', () => {
    const noisy = [
      'WARNING: Module FailoverClusters is loaded in Windows PowerShell using WinPSCompatSession remoting session; …',
      'Waiting for service \u0027Cluster Service (clussvc)\u0027 to start...',
      framed(POLL),
      'VERBOSE: done',
      '',
    ].join('\r\n');
    expect(parsePoll(noisy, toT).nodes.N2).to.deep.equal({ State: 'Up', StatusInformation: ['Isolated'] });
    // two frames (a function that printed another's answer first): the last is the answer
    expect(framedAnswer(`${framed({ a: 1 })}\n${framed({ b: 2 })}`)).to.equal('{"b":2}');
  });

  it('no frame, an empty output, or a frame that never closes is no answer: a read error for a read, unknown for a change', () => {
    for (const [output, why] of [
      ['', 'it printed nothing'],
      ['{"nodes":[]}', 'it printed no answer of the ClusterChaos module'],
      [`${ANSWER_BEGIN}\n${JSON.stringify(POLL)}\n`, 'it printed no answer of the ClusterChaos module'],
    ] as const) {
      const read = thrown(() => parsePoll(output, toT));
      expect(read, output).to.be.instanceOf(PowerShellOutputError);
      expect(read).to.be.instanceOf(ReadError);
      expect(read.message).to.include(why);
      const change = thrown(() => parseAcknowledgement(output, 'kill-clussvc'));
      expect(change, output).to.be.instanceOf(OperationUnknownError);
      expect(change.message).to.match(/^kill-clussvc: PowerShell's answer is not an acknowledgement \(a JSON object\): .*; its outcome is unknown$/);
    }
  });

  it('malformed JSON inside the frame: names the op and shows the first 200 characters of what was printed', () => {
    const garbage = framed('{"nodes": [' + 'x'.repeat(400));
    const e = thrown(() => parsePoll(garbage, toT));
    expect(e).to.be.instanceOf(PowerShellOutputError);
    expect(e).not.to.be.instanceOf(OperationUnknownError);
    expect(e.message).to.match(/^poll: PowerShell's answer is not a poll \(\{nodes, vms\}\): its answer is not JSON \(/);
    expect(e.message).to.include(JSON.stringify(garbage.slice(0, 200) + '…'));
    expect(e.message).not.to.include(garbage.slice(0, 201));
    const lost = thrown(() => parseLiveMigration(framed('{"vm": "web01", '), 'live-migrate'));
    expect(lost).to.be.instanceOf(OperationUnknownError);
    expect(lost.message).to.match(/^live-migrate: .*its answer is not JSON .*; its outcome is unknown$/);
  });

  it('{"error": …} is what the module caught: a failed read for a read, a refusal (OperationError) for a change', () => {
    const read = thrown(() => parsePoll(framed({ error: "Failed to access cluster 'HVCLUSTER01'." }), toT));
    expect(read).to.be.instanceOf(PowerShellReadError);
    expect(read).not.to.be.instanceOf(PowerShellOutputError);
    expect(read.message).to.equal("poll: Failed to access cluster 'HVCLUSTER01'.");
    const refused = thrown(() => parseAcknowledgement(framed({ error: 'Stop-Process: Cannot find a process with the name "clussvc".' }), 'kill-clussvc')) as OperationError;
    expect(refused).to.be.instanceOf(OperationError);
    expect(refused.message).to.equal('kill-clussvc: Stop-Process: Cannot find a process with the name "clussvc".');
    expect(refused.value).to.equal(undefined);
    // an empty message still says something
    expect(thrown(() => parseAcknowledgement(framed({ error: '' }), 'start-clussvc')).message).to.equal('start-clussvc: the module reported a failure without a message');
  });

  it('notEffective: a fault that would not have taken effect is a refusal that says so (review R4)', () => {
    const e = thrown(() =>
      parseAcknowledgement(framed({ error: 'fault not effective: on N2, the Domain firewall profile is not enabled; nothing was changed', notEffective: true }), 'isolate-network'),
    ) as OperationError;
    expect(e).to.be.instanceOf(OperationError);
    expect(e.value).to.deep.equal({ notEffective: true });
    expect(e.message).to.match(/^isolate-network: fault not effective: on N2/);
    // the runner counts only `true` (runner.ts); whatever else the answer says is kept as the failure's value
    expect((thrown(() => parseAcknowledgement(framed({ error: 'x', notEffective: 'yes' }), 'isolate-network')) as OperationError).value).to.deep.equal({ notEffective: 'yes' });
    expect((thrown(() => parseAcknowledgement(framed({ error: 'x' }), 'isolate-network')) as OperationError).value).to.equal(undefined);
  });

  it("keeps what else a failure says as its value (a failed move's source, the transports not put back)", () => {
    const e = thrown(() => parseLiveMigration(framed({ error: 'the move failed', vm: 'web01', source: 'N1', target: 'N2', restoreErrors: ['N1: access denied'] }), 'live-migrate')) as OperationError;
    expect(e).to.be.instanceOf(OperationError);
    expect(e.value).to.deep.equal({ vm: 'web01', source: 'N1', target: 'N2', restoreErrors: ['N1: access denied'] });
  });
});

describe('parse.ts: the poll', () => {
  it('reads nodes and VMs by name, enum names as strings, and the times the cluster side read them', () => {
    const poll = parsePoll(framed(POLL), toT);
    expect(poll).to.deep.equal({
      t: 1_250,
      vmsT: 1_500,
      nodes: {
        N1: { State: 'Up', StatusInformation: [] },
        N2: { State: 'Up', StatusInformation: ['Isolated'] },
        N3: { State: 'Down', StatusInformation: ['Quarantined'] },
      },
      vms: {
        web01: { State: 'Running', GroupState: 'Online', OwnerNode: 'N2', StatusInformation: ['Unmonitored'] },
        "o'brien-db": { State: 'PausedCritical', GroupState: 'Online', OwnerNode: 'N1', StatusInformation: [] },
      },
    });
    // the VM's group by its own name (review R7); an answer without Group: the VM's name
    expect(parsePollAnswer(framed(POLL)).groups).to.deep.equal({ web01: 'web01', "o'brien-db": 'SCVMM obrien Resources' });
    expect(parsePollAnswer(framed({ ...POLL, vms: [{ ...VMS[0], Group: undefined }] })).groups).to.deep.equal({ web01: 'web01' });
  });

  it("accepts Windows PowerShell 5.1's shapes: a lone object for a list of one, {value, Count}, flags as one string", () => {
    const poll = parsePoll(
      framed({
        ...POLL,
        nodes: { Name: 'N1', State: 'Paused', StatusInformation: 'Isolated, Quarantined' },
        vms: { value: [{ ...VMS[0], StatusInformation: 'Normal' }], Count: 1 },
      }),
      toT,
    );
    expect(poll.nodes).to.deep.equal({ N1: { State: 'Paused', StatusInformation: ['Isolated', 'Quarantined'] } });
    expect(poll.vms.web01!.StatusInformation).to.deep.equal([]);
  });

  it('keeps flag bits the module could not name as bit:<n>, and the poll still works (review R10)', () => {
    const poll = parsePoll(framed({ ...POLL, nodes: [{ ...NODES[1], StatusInformation: ['Isolated', 'bit:1024'] }] }), toT);
    expect(poll.nodes.N2!.StatusInformation).to.deep.equal(['Isolated', 'bit:1024']);
  });

  it('refuses an enum given as its integer, an unknown state, a missing field, saying where', () => {
    const node = (State: unknown) => framed({ ...POLL, nodes: [{ Name: 'N1', State, StatusInformation: [] }], vms: [] });
    expect(() => parsePoll(node(0), toT)).to.throw(PowerShellOutputError, /nodes\[0\]\.State should be an enum name \(the script must project \[string\]\$_\.State\), got number 0/);
    expect(() => parsePoll(node('2'), toT)).to.throw(PowerShellOutputError, /nodes\[0\]\.State should be an enum name, not a number, got "2"/);
    expect(() => parsePoll(node('Sideways'), toT)).to.throw(PowerShellOutputError, /nodes\[0\]\.State should be one of Up, Down, Paused, Joining, Unknown, got "Sideways"/);
    const flagNumber = framed({ ...POLL, nodes: [{ Name: 'N1', State: 'Up', StatusInformation: ['288'] }], vms: [] });
    expect(() => parsePoll(flagNumber, toT)).to.throw(PowerShellOutputError, /nodes\[0\]\.StatusInformation\[0\] should be an enum name, not a number/);
    const noOwner = framed({ ...POLL, vms: [{ Name: 'web01', State: 'Running', GroupState: 'Online' }] });
    expect(() => parsePoll(noOwner, toT)).to.throw(PowerShellOutputError, /vms\[0\]\.OwnerNode should be a non-empty string, got undefined/);
    expect(() => parsePoll(framed({ ...POLL, nodesAt: '2026-11-22T02:00:01' }), toT)).to.throw(PowerShellOutputError, /nodesAt should be an ISO 8601 time with its zone/);
    expect(() => parsePoll(framed({ ...POLL, nodes: [] }), toT)).to.throw(PowerShellOutputError, /nodes is empty/);
    expect(() => parsePoll(framed({ ...POLL, nodes: [NODES[0], { ...NODES[0], Name: 'n1' }] }), toT)).to.throw(PowerShellOutputError, /nodes names n1 twice/);
    expect(() => parsePoll(framed([]), toT)).to.throw(PowerShellOutputError, /the answer should be an object, got a list/);
  });
});

describe('parse.ts: event-log records', () => {
  const record = (node: string, id: number, time: string, extra: Record<string, unknown> = {}) => ({
    node,
    log: 'System',
    provider: 'Microsoft-Windows-FailoverClustering',
    id,
    level: 'Critical',
    time,
    message: `event ${id}`,
    data: [node],
    ...extra,
  });

  it('sorts them oldest first, reads 5.1 times (/Date(ms)/) and level numbers, and keeps the insertion strings', () => {
    const answer = parseEvents(
      framed({
        records: [record('N2', 1673, '2026-11-22T02:00:05.0000000Z'), record('N1', 1135, '/Date(1795312801000)/', { level: 1, data: null }), record('N3', 7031, '2026-11-22T02:00:03.5+00:00')],
        unreachable: 'N4',
        failures: [{ node: 'N3', message: 'Microsoft-Windows-Hyper-V-VMMS-Admin: access denied' }],
      }),
    );
    expect(answer.records.map((r) => [r.node, r.id, r.at, r.level, r.data])).to.deep.equal([
      ['N1', 1135, 1795312801000, 'Critical', []],
      ['N3', 7031, Date.parse('2026-11-22T02:00:03.5Z'), 'Critical', ['N3']],
      ['N2', 1673, Date.parse('2026-11-22T02:00:05Z'), 'Critical', ['N2']],
    ]);
    expect(answer.records[0]!.time).to.equal(new Date(1795312801000).toISOString());
    expect(answer.unreachable).to.deep.equal(['N4']);
    expect(answer.failures).to.deep.equal([{ node: 'N3', message: 'Microsoft-Windows-Hyper-V-VMMS-Admin: access denied' }]);
    expect(parseEvents(framed({ records: null, unreachable: [], failures: [] })).records).to.deep.equal([]);
  });

  it('refuses a time without a zone (whose clock would it be?)', () => {
    expect(() => parseEvents(framed({ records: [record('N1', 1135, '2026-11-22T02:00:00')] }))).to.throw(PowerShellOutputError, /records\[0\]\.time should be an ISO 8601 time with its zone/);
  });

  it("dates a record on the run's clock with the node's clock offset taken out (review R15)", () => {
    const [e] = parseEvents(framed({ records: [record('N3', 1135, '2026-11-22T02:00:10.000Z')] })).records;
    expect(toClusterEvent(e!, RUN_START, 4_000)).to.include({ t: 6_000, node: 'N3', id: 1135, time: '2026-11-22T02:00:10.000Z' });
    expect(toClusterEvent(e!, RUN_START)).to.include({ t: 10_000 });
  });
});

describe('parse.ts: the other answers', () => {
  it('settings: a property the cluster lacks reads as null (review B4); a name not answered at all is an error', () => {
    expect(parseSettings(framed({ values: { ResiliencyDefaultPeriod: 240, MaximumParallelMigrations: null } }), ['ResiliencyDefaultPeriod', 'MaximumParallelMigrations'])).to.deep.equal({
      ResiliencyDefaultPeriod: 240,
      MaximumParallelMigrations: null,
    });
    expect(() => parseSettings(framed({ values: { ResiliencyDefaultPeriod: 240 } }), ['QuarantineDuration'])).to.throw(PowerShellOutputError, /it lacks QuarantineDuration/);
    expect(() => parseSettings(framed({ values: { ResiliencyDefaultPeriod: '240' } }), [])).to.throw(PowerShellOutputError, /values\.ResiliencyDefaultPeriod should be a number/);
    // after a change, a null is no read-back: the outcome is unknown
    expect(() => parseSetSettings(framed({ values: { ResiliencyDefaultPeriod: null } }), { ResiliencyDefaultPeriod: 60 })).to.throw(OperationUnknownError);
  });

  it('configuration: no SharedStoragePath reads as none (review N7), versions stay strings, storage by kind', () => {
    const base = { sharedStoragePathExists: false, hosts: [{ node: 'N1', liveMigrationEnabled: true, maximumMigrations: 2, transport: 'SMB' }], supportedVersions: ['9.0', '10.0'] };
    const vms = [{ name: 'web01', group: 'web01', version: '9.0', storage: 'smb', memoryStartupBytes: 4294967296 }];
    for (const none of [null, '', '  ']) expect(parseConfiguration(framed({ ...base, vms, sharedStoragePath: none })).sharedStoragePath, String(none)).to.equal(undefined);
    const c = parseConfiguration(framed({ ...base, vms, sharedStoragePath: String.raw`C:\ClusterStorage\Volume1\Shared`, sharedStoragePathExists: true }));
    expect(c).to.deep.equal({
      sharedStoragePath: { path: String.raw`C:\ClusterStorage\Volume1\Shared`, exists: true },
      hosts: [{ node: 'N1', liveMigrationEnabled: true, maximumMigrations: 2, transport: 'SMB' }],
      vms: [{ name: 'web01', version: '9.0', storage: 'smb', memoryStartupBytes: 4294967296 }],
      supportedVersions: ['9.0', '10.0'],
    });
    expect(() => parseConfiguration(framed({ ...base, vms: [{ name: 'web01', version: 9 }], sharedStoragePath: null }))).to.throw(PowerShellOutputError, /vms\[0\]\.version should be a non-empty string/);
  });

  it("first contact: each node's facts, absent ones left out", () => {
    const c = parseConnect(
      framed({
        psVersion: '5.1.20348.2849',
        edition: 'Desktop',
        failoverClusters: 'native',
        nodes: [
          { name: 'N1', reached: true, osVersion: '10.0.20348', languageMode: 'FullLanguage', clockOffsetMs: -1200, offsetUncertaintyMs: 3, clussvcRecoveryMs: 60000, clussvcStartType: 'Automatic' },
          { name: 'N2', reached: false, error: 'WinRM cannot complete the operation.' },
          { name: 'N3', reached: true, clussvcRecoveryMs: null },
        ],
      }),
    );
    expect(c.nodes).to.deep.equal([
      { name: 'N1', reached: true, osVersion: '10.0.20348', languageMode: 'FullLanguage', clockOffsetMs: -1200, offsetUncertaintyMs: 3, clussvcRecoveryMs: 60000, clussvcStartType: 'Automatic' },
      { name: 'N2', reached: false, error: 'WinRM cannot complete the operation.' },
      { name: 'N3', reached: true },
    ]);
    expect(() => parseConnect(framed({ nodes: [{ name: 'N1', reached: 'yes' }] }))).to.throw(PowerShellOutputError, /nodes\[0\]\.reached should be true or false/);
  });

  it("first contact: clussvc's whole FailureActions (reset period, each action with its delay), SC_ACTION types by name", () => {
    const recovery = { resetPeriodS: 900, actions: [{ type: 1, delayMs: 60000 }, { type: 1, delayMs: 60000 }, { type: 0, delayMs: 0 }] };
    const c = parseConnect(framed({ psVersion: '5.1', edition: 'Desktop', failoverClusters: 'native', nodes: [{ name: 'N1', reached: true, clussvcRecoveryMs: 60000, clussvcRecovery: recovery }, { name: 'N2', reached: true, clussvcRecovery: null }] }));
    expect(c.nodes[0]!.clussvcRecovery).to.deep.equal({ resetPeriodS: 900, actions: [{ type: 'restart', delayMs: 60000 }, { type: 'restart', delayMs: 60000 }, { type: 'none', delayMs: 0 }] });
    expect(c.nodes[1]).to.deep.equal({ name: 'N2', reached: true });
    const bad = { ...recovery, actions: [{ type: 7, delayMs: 0 }] };
    expect(() => parseConnect(framed({ nodes: [{ name: 'N1', reached: true, clussvcRecovery: bad }] }))).to.throw(PowerShellOutputError, /nodes\[0\]\.clussvcRecovery\.actions\[0\]\.type should be an SC_ACTION type/);
  });

  it('a migration, a drain, the residue scan: their fields, strictly', () => {
    expect(parseLiveMigration(framed({ vm: 'web01', group: 'web01', source: 'N2', target: 'N1', totalMs: 4699.4, restoreErrors: 'N2: access denied' }), 'live-migrate')).to.deep.equal({
      vm: 'web01',
      source: 'N2',
      target: 'N1',
      totalMs: 4699,
      restoreErrors: ['N2: access denied'],
    });
    expect(() => parseLiveMigration(framed({ vm: 'web01', source: 'N2', target: 'N1', totalMs: -1 }), 'live-migrate')).to.throw(OperationUnknownError, /totalMs should be a number of milliseconds/);
    expect(parseDrain(framed({ node: 'N2', totalMs: 9000, failbackMs: null, vms: ['web01'], notBack: [], migrations: [{ vm: 'web01', source: 'N2', target: 'N1' }] }), 'suspend-node')).to.deep.equal({
      node: 'N2',
      totalMs: 9000,
      vms: ['web01'],
      notBack: [],
      migrations: [{ vm: 'web01', source: 'N2', target: 'N1' }],
    });
    const residue = parseResidue(
      framed({
        nodes: [{ Name: 'N2', State: 'Paused', StatusInformation: [] }],
        firewallRules: 'N2/clusterchaos-x-Inbound-UDP',
        tasks: [],
        settings: { ResiliencyDefaultPeriod: 60, Missing: null },
        unchecked: ['N3'],
        services: [{ node: 'N2', status: 'Running', startType: 'Manual' }],
        transports: [{ node: 'N2', transport: 'TCPIP' }],
      }),
    );
    expect(residue).to.deep.equal({
      nodes: [{ Name: 'N2', State: 'Paused', StatusInformation: [] }],
      firewallRules: ['N2/clusterchaos-x-Inbound-UDP'],
      tasks: [],
      settings: { ResiliencyDefaultPeriod: 60 },
      unchecked: ['N3'],
      services: [{ node: 'N2', status: 'Running', startType: 'Manual' }],
      transports: [{ node: 'N2', transport: 'TCPIP' }],
    });
    expect(() => parseResidue(framed({ nodes: [], services: [{ node: 'N2', status: 4, startType: 'Manual' }] }))).to.throw(PowerShellOutputError, /services\[0\]\.status should be an enum name/);
  });
});
