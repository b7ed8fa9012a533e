/**
 * The contract of every script the PowerShell target sends (scripts.ts): `# clusterchaos <op>`, then ONE line
 * calling the ClusterChaos module's function for that op (module/README.md names it and its parameters),
 * ending with a newline; pure printable ASCII whatever the values (anything else travels as base64: review
 * R9); read-only or mutating by its op; values refused before anything is built. (That each value reaches
 * PowerShell as exactly itself is quote-parser.test.ts's, against PowerShell's own parser.)
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnsafeValueError } from '../../src/targets/powershell/quote.js';
import * as scripts from '../../src/targets/powershell/scripts.js';
import { isMutatingScript, MUTATING_OPS, READ_ONLY_OPS, SCRIPT_OPS, scriptOp, type ScriptOp } from '../../src/targets/powershell/scripts.js';

const MODULE = join(import.meta.dirname, '..', '..', 'src', 'targets', 'powershell', 'module');

/** module/README.md's table: op → the function and the parameters its signature names. */
function readmeFunctions(): Map<string, { fn: string; parameters: string[] }> {
  const table = new Map<string, { fn: string; parameters: string[] }>();
  for (const line of readFileSync(join(MODULE, 'README.md'), 'utf8').split('\n')) {
    const m = /^\| `([a-z-]+)` \| `([A-Z][A-Za-z]+-ClusterChaos[A-Za-z]+)([^`]*)` \|/.exec(line);
    if (m) table.set(m[1]!, { fn: m[2]!, parameters: [...m[3]!.matchAll(/-([A-Za-z]+)/g)].map((p) => p[1]!) });
  }
  return table;
}

/** The functions the module's files define. */
function moduleFunctions(): Set<string> {
  const found = new Set<string>();
  for (const file of readdirSync(MODULE).filter((f) => f.endsWith('.ps1'))) {
    for (const m of readFileSync(join(MODULE, file), 'utf8').matchAll(/^function ([A-Za-z-]+) \{/gm)) found.add(m[1]!);
  }
  return found;
}

const a = { cluster: 'HVCLUSTER01' };
const TAG = 'clusterchaos-6f1d2c3a-0b7e-4f4c-9a51-1d2e3f405060';

/** Names a script carries; `build` makes every variant of the op's script with them. */
interface Names {
  cluster: string;
  node: string;
  vm: string;
  peers: string[];
  settings: string[];
}
const PLAIN: Names = { cluster: 'HVCLUSTER01', node: 'N2', vm: 'web01', peers: ['N1', 'N3'], settings: ['ResiliencyDefaultPeriod', 'QuarantineDuration'] };

const BUILDERS: Record<ScriptOp, (n: Names) => string[]> = {
  connect: (n) => [scripts.connect({ cluster: n.cluster }, [n.node, ...n.peers])],
  poll: (n) => [scripts.poll({ cluster: n.cluster })],
  events: (n) => [scripts.events({ cluster: n.cluster }, [n.node, ...n.peers], '2026-11-22T02:00:00.000Z'), scripts.events({ cluster: n.cluster }, [], '2026-11-22T02:00:00.1234567+01:00')],
  'get-settings': (n) => [scripts.getSettings({ cluster: n.cluster }, n.settings)],
  'set-settings': (n) => [scripts.setSettings({ cluster: n.cluster }, Object.fromEntries(n.settings.map((s, i) => [s, 60 + i])))],
  'get-vm-settings': (n) => [scripts.getVmSettings({ cluster: n.cluster }, [n.vm])],
  'set-vm-settings': (n) => [scripts.setVmSettings({ cluster: n.cluster }, n.vm, 20), scripts.setVmSettings({ cluster: n.cluster }, n.vm, 0)],
  'kill-clussvc': (n) => [scripts.killClusterService({ cluster: n.cluster }, n.node)],
  'hold-down-clussvc': (n) => [scripts.holdDownClusterService({ cluster: n.cluster }, n.node, 90_000)],
  'start-clussvc': (n) => [scripts.startClusterService({ cluster: n.cluster }, n.node), scripts.startClusterService({ cluster: n.cluster }, n.node, { startType: 'Manual' })],
  'stop-cluster-node': (n) => [scripts.stopClusterNode({ cluster: n.cluster }, n.node)],
  'start-cluster-node': (n) => [scripts.startClusterNode({ cluster: n.cluster }, n.node), scripts.startClusterNode({ cluster: n.cluster }, n.node, { clearQuarantine: true })],
  'isolate-network': (n) => [
    scripts.isolateNetwork({ cluster: n.cluster }, n.node, { healAfterMs: 45_000, tag: TAG }),
    scripts.isolateNetwork({ cluster: n.cluster }, n.node, { peers: n.peers, healAfterMs: 45_000, tag: TAG }),
  ],
  'restore-network': (n) => [scripts.restoreNetwork({ cluster: n.cluster }, n.node, TAG)],
  'fail-witness': (n) => [scripts.failWitness({ cluster: n.cluster }, { healAfterMs: 60_000, tag: TAG })],
  'restore-witness': (n) => [scripts.restoreWitness({ cluster: n.cluster }, TAG)],
  'fail-storage': (n) => [
    scripts.failStorage({ cluster: n.cluster }, { nodes: [n.node], storage: 'CSV1', addresses: ['10.0.5.10'], port: 3260, key: 'v1', healAfterMs: 60_000, tag: TAG }),
    scripts.failStorage({ cluster: n.cluster }, { nodes: [n.node, ...n.peers], storage: String.raw`\\fs01\vms`, addresses: ['10.0.5.20', 'fd00::20'], port: 445, key: 'v2', healAfterMs: 60_000, tag: TAG }),
  ],
  'restore-storage': (n) => [scripts.restoreStorage({ cluster: n.cluster }, { nodes: [n.node, ...n.peers], key: 'v1', tag: TAG })],
  'live-migrate': (n) => [scripts.liveMigrate({ cluster: n.cluster }, n.vm, n.node), scripts.liveMigrate({ cluster: n.cluster }, n.vm, n.node, { transport: 'SMBDirect' })],
  'cancel-live-migration': (n) => [scripts.cancelLiveMigration({ cluster: n.cluster }, n.vm)],
  'suspend-node': (n) => [scripts.suspendNode({ cluster: n.cluster }, n.node, { drain: false }), scripts.suspendNode({ cluster: n.cluster }, n.node, { drain: true, transport: 'Compression' })],
  'resume-node': (n) => [
    scripts.resumeNode({ cluster: n.cluster }, n.node, { failback: false }),
    scripts.resumeNode({ cluster: n.cluster }, n.node, { failback: true, vms: [n.vm], timeoutMs: 600_000, transport: 'TCPIP' }),
  ],
  residue: (n) => [scripts.residue({ cluster: n.cluster }, { tag: TAG, settings: Object.fromEntries(n.settings.map((s) => [s, 1])) })],
  'read-configuration': (n) => [scripts.readConfiguration({ cluster: n.cluster })],
  'power-off-node': (n) => [
    scripts.powerOffNode({ cluster: n.cluster }, n.node, { kind: 'redfish', system: 'https://bmc-n2.lab.local/redfish/v1/Systems/1', credential: 'LAB_BMC', skipCertificateCheck: true }),
    scripts.powerOffNode({ cluster: n.cluster }, n.node, { kind: 'hyperv', host: 'OUTER01', vm: outerVmName(n.node), credential: 'OUTER' }),
  ],
  'power-on-node': (n) => [
    scripts.powerOnNode({ cluster: n.cluster }, n.node, { kind: 'redfish', system: 'https://bmc-n2.lab.local/redfish/v1/Systems/1' }),
    scripts.powerOnNode({ cluster: n.cluster }, n.node, { kind: 'hyperv', host: 'OUTER01', vm: outerVmName(n.node) }),
  ],
  'power-state': (n) => [scripts.powerState({ cluster: n.cluster }, n.node, { kind: 'redfish', system: 'https://bmc-n2.lab.local/redfish/v1/Systems/1', credential: 'LAB_BMC' })],
  'restart-node': (n) => [scripts.restartNode({ cluster: n.cluster }, n.node, 1_800_000)],
};

/** The node's VM on the outer host, named after the node: Hyper-V's -VMName takes wildcards, so the target refuses them there (tested below). */
function outerVmName(node: string): string {
  return node.replace(/[*?[\]`]/g, '_');
}

const PRINTABLE_ASCII_LINES = /^[\x20-\x7e]*\n[\x20-\x7e]*\n$/;

describe('PowerShell scripts: one module call per round trip', () => {
  const readme = readmeFunctions();
  const defined = moduleFunctions();

  it('module/README.md names a function for every op, and the module defines each', () => {
    expect([...readme.keys()].sort()).to.deep.equal([...SCRIPT_OPS].sort());
    for (const [op, { fn }] of readme) expect(defined.has(fn), `${op}: ${fn} is not defined in module/*.ps1`).to.equal(true);
  });

  for (const op of SCRIPT_OPS) {
    it(`${op}: "# clusterchaos ${op}", then one line calling ${readme.get(op)?.fn ?? '?'} with the parameters README.md names, then a newline`, () => {
      const { fn, parameters } = readme.get(op)!;
      for (const script of BUILDERS[op](PLAIN)) {
        expect(script, script).to.match(PRINTABLE_ASCII_LINES);
        const [first, call] = script.split('\n');
        expect(first).to.equal(`# clusterchaos ${op}`);
        expect(scriptOp(script)).to.equal(op);
        expect(call!.startsWith(`${fn} -Cluster 'HVCLUSTER01'`), call).to.equal(true);
        const used = [...call!.matchAll(/ -([A-Za-z]+)(?=[ :])/g)].map((m) => m[1]!);
        expect(used.filter((p) => !parameters.includes(p)), `${op} uses parameters README.md does not name`).to.deep.equal([]);
        expect(new Set(used).size, 'a parameter given twice').to.equal(used.length);
      }
    });
  }

  it('writes the values as PowerShell literals: strings quoted, lists as @(…), numbers bare, switches -Name:$true', () => {
    expect(scripts.isolateNetwork(a, "N'2", { peers: ['N1', 'N3'], healAfterMs: 45_000, tag: TAG })).to.equal(
      `# clusterchaos isolate-network\nDisconnect-ClusterChaosNetwork -Cluster 'HVCLUSTER01' -Node 'N''2' -Peer @('N1', 'N3') -HealAfterMs 45000 -Tag '${TAG}'\n`,
    );
    expect(scripts.isolateNetwork(a, 'N2', { healAfterMs: 1, tag: TAG })).to.include(" -Peer @() -HealAfterMs 1 ");
    expect(scripts.setSettings(a, { ResiliencyDefaultPeriod: 60, QuarantineThreshold: 0 })).to.equal(
      "# clusterchaos set-settings\nSet-ClusterChaosSetting -Cluster 'HVCLUSTER01' -Name @('ResiliencyDefaultPeriod', 'QuarantineThreshold') -Value @(60, 0)\n",
    );
    expect(scripts.startClusterNode(a, 'N3', { clearQuarantine: true })).to.equal("# clusterchaos start-cluster-node\nStart-ClusterChaosNode -Cluster 'HVCLUSTER01' -Node 'N3' -ClearQuarantine:$true\n");
    expect(scripts.startClusterNode(a, 'N3', { clearQuarantine: false })).to.equal("# clusterchaos start-cluster-node\nStart-ClusterChaosNode -Cluster 'HVCLUSTER01' -Node 'N3'\n");
    expect(scripts.resumeNode(a, 'N2', { failback: false, vms: ['web01'], timeoutMs: 5 })).to.equal("# clusterchaos resume-node\nResume-ClusterChaosNode -Cluster 'HVCLUSTER01' -Node 'N2'\n");
    expect(scripts.resumeNode(a, 'N2', { failback: true, vms: ['web01'], timeoutMs: 600_000, transport: 'SMB' })).to.equal(
      "# clusterchaos resume-node\nResume-ClusterChaosNode -Cluster 'HVCLUSTER01' -Node 'N2' -Failback:$true -Transport 'SMB' -Vm @('web01') -TimeoutMs 600000\n",
    );
  });

  it('is pure printable ASCII whatever the names: anything else travels as (ConvertFrom-ClusterChaosBase64 …) (review R9)', () => {
    // names of any Unicode but the refused characters (controls, line separators, lone surrogates)
    const REFUSED = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    const name = fc
      .oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.constantFrom('Bob\u2019s VM', 'ё', 'N\u201B1', '\u{1F600}'))
      .filter((s) => !REFUSED.test(s));
    const names = fc.record({ cluster: name, node: name, vm: name, peers: fc.array(name, { maxLength: 2 }), settings: fc.uniqueArray(name, { minLength: 1, maxLength: 2 }) });
    fc.assert(
      fc.property(names, (n) => {
        const values = [n.cluster, n.node, n.vm, ...n.peers, ...n.settings];
        for (const op of SCRIPT_OPS) {
          for (const script of BUILDERS[op](n)) {
            expect(script).to.match(PRINTABLE_ASCII_LINES);
            const decoded = [...script.matchAll(/\(ConvertFrom-ClusterChaosBase64 '([A-Za-z0-9+/=]*)'\)/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'));
            // every value outside printable ASCII is there as base64 of its UTF-8, and only those are
            for (const v of values) if (!/^[\x20-\x7e]*$/.test(v) && script.includes(scripts.psValue(v))) expect(decoded).to.include(v);
            for (const d of decoded) expect(/^[\x20-\x7e]*$/.test(d), `${JSON.stringify(d)} is printable ASCII, yet base64`).to.equal(false);
          }
        }
      }),
      { numRuns: 100 },
    );
    expect(scripts.killClusterService(a, 'Bob\u2019s N2')).to.equal(
      `# clusterchaos kill-clussvc\nStop-ClusterChaosService -Cluster 'HVCLUSTER01' -Node (ConvertFrom-ClusterChaosBase64 '${Buffer.from('Bob\u2019s N2').toString('base64')}')\n`,
    );
  });

  it("power: a Redfish system, a credential's name (never its secret) and the certificate switch, or the outer host and the node's VM; bad values refused before anything is built", () => {
    expect(scripts.powerOffNode(a, 'N2', { kind: 'redfish', system: 'https://bmc-n2.lab.local/redfish/v1/Systems/1', credential: 'LAB_BMC', skipCertificateCheck: true })).to.equal(
      "# clusterchaos power-off-node\nStop-ClusterChaosHost -Cluster 'HVCLUSTER01' -Node 'N2' -Redfish 'https://bmc-n2.lab.local/redfish/v1/Systems/1' -SkipCertificateCheck:$true -CredentialVariable 'LAB_BMC'\n",
    );
    expect(scripts.powerOnNode(a, 'N3', { kind: 'hyperv', host: 'OUTER01', vm: 'LAB-N3' })).to.equal(
      "# clusterchaos power-on-node\nStart-ClusterChaosHost -Cluster 'HVCLUSTER01' -Node 'N3' -HyperVHost 'OUTER01' -VmName 'LAB-N3'\n",
    );
    expect(scripts.restartNode(a, 'N1', 1_200_000)).to.equal("# clusterchaos restart-node\nRestart-ClusterChaosNode -Cluster 'HVCLUSTER01' -Node 'N1' -TimeoutMs 1200000\n");
    expect(() => scripts.powerOffNode(a, 'N2', { kind: 'redfish', system: "https://bmc/x'; Stop-Computer" })).to.throw(UnsafeValueError, /Redfish ComputerSystem URI/);
    expect(() => scripts.powerOffNode(a, 'N2', { kind: 'redfish', system: 'https://bmc/redfish/v1/Systems/1', credential: 'pass word' })).to.throw(UnsafeValueError, /credential's name/);
    expect(() => scripts.powerOffNode(a, 'N2', { kind: 'hyperv', host: 'OUTER01', vm: 'N*' })).to.throw(UnsafeValueError, /wildcard/);
    expect(() => scripts.restartNode(a, 'N2', 0)).to.throw(UnsafeValueError, /positive/);
  });

  it('classifies each op: the reads are read-only, everything else is mutating, and an unknown script counts as mutating', () => {
    expect([...READ_ONLY_OPS].sort()).to.deep.equal(['connect', 'events', 'get-settings', 'get-vm-settings', 'poll', 'power-state', 'read-configuration', 'residue']);
    for (const op of SCRIPT_OPS) {
      expect(MUTATING_OPS.has(op), op).to.equal(!READ_ONLY_OPS.has(op));
      for (const script of BUILDERS[op](PLAIN)) expect(isMutatingScript(script), op).to.equal(!READ_ONLY_OPS.has(op));
    }
    expect(isMutatingScript('Stop-Computer -Force\n')).to.equal(true);
    expect(isMutatingScript('# clusterchaos not-an-op\nGet-ClusterChaosObservation\n')).to.equal(true);
    expect(isMutatingScript('#clusterchaos poll\n')).to.equal(true);
    expect(scriptOp('# clusterchaos poll\r\nGet-ClusterChaosObservation -Cluster x\r\n')).to.equal('poll');
  });
});

describe('PowerShell scripts: values refused before anything is built', () => {
  it('a tag that is not clusterchaos-<letters, digits, . _ -> (firewall groups are looked up by pattern)', () => {
    for (const tag of ['clusterchaos-*', 'clusterchaos-[ab]', 'other-1', 'clusterchaos-', "clusterchaos-a'b", 'clusterchaos-a b', `clusterchaos-${'x'.repeat(101)}`]) {
      expect(() => scripts.isolateNetwork(a, 'N1', { healAfterMs: 1000, tag }), tag).to.throw(UnsafeValueError, /run tag/);
      expect(() => scripts.restoreNetwork(a, 'N1', tag), tag).to.throw(UnsafeValueError, /run tag/);
      expect(() => scripts.residue(a, { tag, settings: {} }), tag).to.throw(UnsafeValueError, /run tag/);
    }
  });

  it('durations that are not positive whole milliseconds', () => {
    for (const ms of [0, -1, 1.5, NaN, Infinity]) {
      expect(() => scripts.isolateNetwork(a, 'N1', { healAfterMs: ms, tag: TAG }), String(ms)).to.throw(UnsafeValueError);
      expect(() => scripts.holdDownClusterService(a, 'N1', ms), String(ms)).to.throw(UnsafeValueError);
      expect(() => scripts.resumeNode(a, 'N1', { failback: true, vms: ['web01'], timeoutMs: ms }), String(ms)).to.throw(UnsafeValueError);
    }
    expect(() => scripts.holdDownClusterService(a, 'N1', 0)).to.throw(UnsafeValueError, /holdDownMs must be a positive number of milliseconds, got 0/);
  });

  it('an unknown transport or start type, a ResiliencyPeriod out of range, a fractional setting', () => {
    expect(() => scripts.liveMigrate(a, 'vm', 'N1', { transport: 'RDMA' as never })).to.throw(UnsafeValueError, /unknown live-migration transport "RDMA"/);
    expect(() => scripts.suspendNode(a, 'N1', { drain: true, transport: 'tcpip' as never })).to.throw(UnsafeValueError, /transport/);
    expect(() => scripts.startClusterService(a, 'N1', { startType: 'Boot' })).to.throw(UnsafeValueError, /unknown start type/);
    for (const s of [-1, 1.5, 2 ** 32]) expect(() => scripts.setVmSettings(a, 'web01', s), String(s)).to.throw(UnsafeValueError, /ResiliencyPeriod/);
    expect(() => scripts.setSettings(a, { QuarantineDuration: 1.5 })).to.throw(UnsafeValueError, /whole number/);
  });

  it('a time that is not ISO 8601 with a zone', () => {
    for (const since of ['yesterday', '2026-11-22', '2026-11-22T02:00:00', "2026-11-22T02:00:00Z'; x", '2026-11-22 02:00:00Z']) {
      expect(() => scripts.events(a, ['N1'], since), since).to.throw(UnsafeValueError, /ISO 8601/);
    }
  });

  it('empty names and names with control characters, wherever they go', () => {
    expect(() => scripts.poll({ cluster: '' })).to.throw(UnsafeValueError, /cluster name cannot be empty/);
    expect(() => scripts.killClusterService(a, '')).to.throw(UnsafeValueError, /node name cannot be empty/);
    expect(() => scripts.liveMigrate(a, '', 'N1')).to.throw(UnsafeValueError, /VM name cannot be empty/);
    expect(() => scripts.isolateNetwork(a, 'N1', { peers: ['N2', ''], healAfterMs: 1, tag: TAG })).to.throw(UnsafeValueError, /peer cannot be empty/);
    expect(() => scripts.getSettings(a, [''])).to.throw(UnsafeValueError, /setting name cannot be empty/);
    for (const bad of ['N1\nStop-Computer', 'N1\r', 'N1\u0000', 'N1\u2028', 'N1\u0085', 'N1\uD800']) {
      expect(() => scripts.killClusterService(a, bad), JSON.stringify(bad)).to.throw(UnsafeValueError);
      expect(() => scripts.poll({ cluster: bad }), JSON.stringify(bad)).to.throw(UnsafeValueError);
      expect(() => scripts.connect(a, ['N1', bad]), JSON.stringify(bad)).to.throw(UnsafeValueError);
    }
    expect(() => scripts.killClusterService(a, 'N1\nStop-Computer')).to.throw(UnsafeValueError, /control character/);
  });
});
