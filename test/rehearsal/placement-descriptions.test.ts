/**
 * Review R14 for what placement depends on: before a run on a real cluster, each VM group's Priority, preferred
 * owners and AntiAffinityClassNames, and each host's memory, are compared with the experiment's description;
 * a description the cluster contradicts is refused (UsageError: exit 2) with nothing done to the cluster. Shown
 * through the rehearsal lab (real PowerShell 7, the ClusterChaos module, the stand-ins), whose cluster is
 * described one way while the experiment says another.
 */
import { expect } from 'chai';
import { checkFitsCluster } from '../../src/cli/powershell.js';
import { UsageError } from '../../src/cli/out-dir.js';
import type { Experiment } from '../../src/experiment/types.js';
import type { AllowlistEntry } from '../../src/safety/allowlist.js';
import { ANSWER_BEGIN, ANSWER_END, parseConfiguration, PowerShellOutputError } from '../../src/targets/powershell/parse.js';
import { createSimTarget } from '../../src/targets/sim/index.js';
import type { ClusterDescription, VmDescription } from '../../src/trace/records.js';
import { labExperiment, labTarget, rejection, type OpenLabTarget } from '../powershell/lab-target.js';

const ENTRY: AllowlistEntry = { name: 'HVCLUSTER01', faults: [], maxImpairedNodes: 1, line: 1, faultsLine: 1 };
const GB = 2 ** 30;

/** The lab's cluster: web01 High, preferring N3 then N1, anti-affined with sql01; sql01 at the default priority; hosts of 64, 64, 32 GB. */
function described(cluster: ClusterDescription): ClusterDescription {
  const vms = cluster.vms.map((vm): VmDescription => {
    if (vm.name === 'web01') return { ...vm, priority: 'High', preferredOwners: ['N3', 'N1'], antiAffinityClassNames: ['sql', 'web-tier'] };
    if (vm.name === 'sql01') return { ...vm, antiAffinityClassNames: ['sql'] };
    if (vm.name === 'app01') return { ...vm, priority: 'NoAutoStart' };
    return vm;
  });
  return { ...cluster, vms, hostMemoryGB: { N1: 64, N2: 64, N3: 32 } };
}

/** The experiment with `change` made to one VM (or to the cluster). */
function changed(base: Experiment, vm: string, change: (vm: VmDescription) => VmDescription): Experiment {
  return { ...base, cluster: { ...base.cluster, vms: base.cluster.vms.map((v) => (v.name === vm ? change(v) : v)) } };
}

/** Nothing but reads reached the cluster: every stand-in call a Get-/Test-/Resolve- or a session. */
const onlyReads = (open: OpenLabTarget): string[] =>
  open.lab.calls().map((c) => c.command).filter((c) => !/^(Get|Test|Resolve|Lab)-|^(New|Remove)-PSSession$/.test(c));

describe('placement properties: the experiment against the cluster (review R14), through the rehearsal lab', function () {
  this.timeout(300_000);
  let open: OpenLabTarget;
  let truth: Experiment;

  before(async () => {
    const lab = labExperiment('lab.yaml');
    truth = { ...lab, cluster: described(lab.cluster) };
    open = await labTarget({ experiment: truth });
  });
  after(async () => {
    await open?.close();
  });

  /** checkFitsCluster's refusal of `experiment`: a UsageError (exit 2) saying nothing was done, and nothing was. */
  async function refused(experiment: Experiment): Promise<string> {
    const e = await rejection(checkFitsCluster(open.target, experiment, [experiment], { entry: ENTRY }));
    expect(e, e.stack).to.be.instanceOf(UsageError);
    expect(e.message).to.match(/Nothing was done to the cluster\.$/);
    expect(onlyReads(open)).to.deep.equal([]);
    return e.message;
  }

  it('reads each group\'s Priority, preferred owners in order and AntiAffinityClassNames, and each host\'s MemoryCapacity, as the simulator answers them', async () => {
    const real = await open.target.readConfiguration();
    const sim = await createSimTarget({ cluster: truth.cluster, simulator: truth.simulator, seed: 1 }).readConfiguration();
    const placement = (c: typeof real) => c.vms.map(({ name, priority, preferredOwners, antiAffinityClassNames }) => ({ name, priority, preferredOwners, antiAffinityClassNames }));
    expect(placement(real)).to.deep.equal([
      { name: 'web01', priority: 3000, preferredOwners: ['N3', 'N1'], antiAffinityClassNames: ['sql', 'web-tier'] },
      { name: 'sql01', priority: 2000, preferredOwners: [], antiAffinityClassNames: ['sql'] },
      { name: 'app01', priority: 0, preferredOwners: [], antiAffinityClassNames: [] },
    ]);
    expect(placement(sim)).to.deep.equal(placement(real));
    expect(real.hosts.map((h) => [h.node, h.memoryCapacityBytes])).to.deep.equal([['N1', 64 * GB], ['N2', 64 * GB], ['N3', 32 * GB]]);
    expect(sim.hosts.map((h) => [h.node, h.memoryCapacityBytes])).to.deep.equal(real.hosts.map((h) => [h.node, h.memoryCapacityBytes]));
    expect(open.lab.calls().filter((c) => c.command === 'Get-ClusterOwnerNode').map((c) => [c.compat, c.parameters.Group])).to.deep.equal([
      [true, 'web01'],
      [true, 'sql01'],
      [true, 'app01'],
    ]);
  });

  it('accepts the experiment that describes the cluster as it is: class names in any order and case, a host given less memory than it has', async () => {
    const same = changed(truth, 'web01', (vm) => ({ ...vm, antiAffinityClassNames: ['WEB-TIER', 'Sql'] }));
    await checkFitsCluster(open.target, { ...same, cluster: { ...same.cluster, hostMemoryGB: { N1: 60, N2: 64.4, N3: 32 } } }, [same], { entry: ENTRY });
    // sql01 gives no priority: the models assume Medium, which its group has
    expect(truth.cluster.vms.find((v) => v.name === 'sql01')).to.not.have.property('priority');
    expect(onlyReads(open)).to.deep.equal([]);
  });

  it('refuses a priority the group does not have', async () => {
    const message = await refused(changed(truth, 'web01', (vm) => ({ ...vm, priority: 'Low' })));
    expect(message).to.include("web01: priority Low (1000) in the experiment, but its group's Priority is 3000 (High) (set cluster.vms[0].priority to High)");
    expect(message).to.include('Fix cluster.vms.');
  });

  it('refuses a VM given no priority whose group is not at Medium, the default the models assume', async () => {
    const message = await refused(changed(truth, 'app01', ({ priority: _p, ...vm }) => vm));
    expect(message).to.include("app01: no priority in the experiment (the models assume Medium, 2000), but its group's Priority is 0 (NoAutoStart) (set cluster.vms[2].priority to NoAutoStart)");
  });

  it('refuses preferred owners in another order, or where the group has none', async () => {
    const order = await refused(changed(truth, 'web01', (vm) => ({ ...vm, preferredOwners: ['N1', 'N3'] })));
    expect(order).to.include('web01: preferredOwners [N1, N3] in the experiment, but Get-ClusterOwnerNode lists [N3, N1] (the order matters: fix cluster.vms[0].preferredOwners)');
    const none = await refused(changed(truth, 'sql01', (vm) => ({ ...vm, preferredOwners: ['N2'] })));
    expect(none).to.include('sql01: preferredOwners [N2] in the experiment, but Get-ClusterOwnerNode lists none (the order matters: fix cluster.vms[1].preferredOwners)');
  });

  it('refuses anti-affinity class names the group does not have', async () => {
    const message = await refused(changed(truth, 'sql01', (vm) => ({ ...vm, antiAffinityClassNames: ['sql', 'reporting'] })));
    expect(message).to.include("sql01: antiAffinityClassNames [sql, reporting] in the experiment, but its group's AntiAffinityClassNames are [sql] (fix cluster.vms[1].antiAffinityClassNames)");
  });

  it('refuses a host given more memory than Get-VMHost says it has, as one number or per node', async () => {
    const map = await refused({ ...truth, cluster: { ...truth.cluster, hostMemoryGB: { N1: 64, N2: 64, N3: 48 } } });
    expect(map).to.include('N3: hostMemoryGB 48 in the experiment, but Get-VMHost says its MemoryCapacity is 32.0 GB (a host cannot leave its VMs more than it has: fix cluster.hostMemoryGB.N3)');
    expect(map).to.include("does not describe the cluster's hosts as they are");
    expect(map).to.include('Fix cluster.hostMemoryGB.');
    const one = await refused({ ...truth, cluster: { ...truth.cluster, hostMemoryGB: 64 } });
    expect(one).to.include('N3: hostMemoryGB 64 in the experiment, but Get-VMHost says its MemoryCapacity is 32.0 GB (a host cannot leave its VMs more than it has: fix cluster.hostMemoryGB)');
    expect(one).to.not.include('N1:');
  });

  it('names every mismatch at once, VMs and hosts', async () => {
    const wrong = changed(changed(truth, 'web01', (vm) => ({ ...vm, priority: 'Medium', preferredOwners: ['N3'] })), 'sql01', ({ antiAffinityClassNames: _a, ...vm }) => vm);
    const message = await refused({ ...wrong, cluster: { ...wrong.cluster, hostMemoryGB: { N1: 128, N2: 64, N3: 32 } } });
    expect(message).to.include("the experiment does not describe the cluster's VMs and hosts as they are");
    for (const part of ['web01: priority Medium (2000)', 'web01: preferredOwners [N3]', 'sql01: antiAffinityClassNames none', 'N1: hostMemoryGB 128']) expect(message).to.include(part);
    expect(message).to.include('Fix cluster.vms and cluster.hostMemoryGB. Nothing was done to the cluster.');
  });
});

/** The module's answer as it prints it: the JSON between its frame lines. */
const framed = (json: unknown): string => `${ANSWER_BEGIN}\n${JSON.stringify(json)}\n${ANSWER_END}`;

describe('placement properties: the PowerShell answer, read strictly', () => {
  const host = { node: 'N1', liveMigrationEnabled: true, maximumMigrations: 2, transport: 'SMB' };
  const vm = { name: 'web01', version: '10.0' };
  const answer = (h: object, v: object) => framed({ sharedStoragePath: null, sharedStoragePathExists: false, hosts: [{ ...host, ...h }], vms: [{ ...vm, ...v }], supportedVersions: [] });

  it('reads the new fields, keeps the owners\' order, takes a lone name as a list of one (5.1), and leaves out what an older answer lacks', () => {
    const c = parseConfiguration(answer({ memoryCapacityBytes: 64 * GB }, { priority: 3000, preferredOwners: ['N3', 'N1'], antiAffinityClassNames: 'sql' }));
    expect(c.hosts[0]).to.deep.equal({ ...host, memoryCapacityBytes: 64 * GB });
    expect(c.vms[0]).to.deep.equal({ ...vm, priority: 3000, preferredOwners: ['N3', 'N1'], antiAffinityClassNames: ['sql'] });
    const empty = parseConfiguration(answer({}, { priority: 0, preferredOwners: [], antiAffinityClassNames: [] }));
    expect(empty.vms[0]).to.deep.equal({ ...vm, priority: 0, preferredOwners: [], antiAffinityClassNames: [] });
    expect(parseConfiguration(answer({}, {})).vms[0]).to.deep.equal(vm);
  });

  it('refuses a priority that is not a whole number from 0 to 3000, a memory that is not bytes, an empty or repeated name', () => {
    const bad: [object, object, RegExp][] = [
      [{}, { priority: 'High' }, /vms\[0\]\.priority should be an integer/],
      [{}, { priority: 4000 }, /vms\[0\]\.priority should be a group Priority from 0 to 3000/],
      [{ memoryCapacityBytes: -1 }, {}, /hosts\[0\]\.memoryCapacityBytes should be a number of bytes/],
      [{ memoryCapacityBytes: '64GB' }, {}, /hosts\[0\]\.memoryCapacityBytes should be an integer/],
      [{}, { preferredOwners: ['N1', ''] }, /vms\[0\]\.preferredOwners\[1\] should be a non-empty string/],
      [{}, { preferredOwners: ['N1', 'n1'] }, /vms\[0\]\.preferredOwners names n1 twice/],
      [{}, { antiAffinityClassNames: [1] }, /vms\[0\]\.antiAffinityClassNames\[0\] should be a non-empty string/],
    ];
    for (const [h, v, error] of bad) expect(() => parseConfiguration(answer(h, v)), JSON.stringify([h, v])).to.throw(PowerShellOutputError, error);
  });
});

describe('placement properties: the simulator answers what its cluster has', () => {
  it('Medium, no preferred owners and no class names unless described; host memory only from cluster.hostMemoryGB', async () => {
    const e = labExperiment('lab.yaml');
    const plain = await createSimTarget({ cluster: e.cluster, simulator: e.simulator, seed: 1 }).readConfiguration();
    expect(plain.vms.map((v) => [v.priority, v.preferredOwners, v.antiAffinityClassNames])).to.deep.equal([[2000, [], []], [2000, [], []], [2000, [], []]]);
    expect(plain.hosts.every((h) => h.memoryCapacityBytes === undefined)).to.equal(true);
    const one = await createSimTarget({ cluster: { ...e.cluster, hostMemoryGB: 48 }, simulator: e.simulator, seed: 1 }).readConfiguration();
    expect(one.hosts.map((h) => h.memoryCapacityBytes)).to.deep.equal([48 * GB, 48 * GB, 48 * GB]);
  });
});
