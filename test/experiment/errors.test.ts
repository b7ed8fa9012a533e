import { expect } from 'chai';
import { errorLines, fixture, load, thrown } from './helpers.js';

describe('experiment errors a user reads', () => {
  it('reports a YAML syntax error at the line the parser stopped on', () => {
    const f = fixture('syntax-error.yaml');
    expect(errorLines(f)).to.deep.equal([
      `${f}:4:1: expected valid YAML, found a syntax error (All mapping items must start at the same column). Check the indentation, the quotes and the ":" after each key on this line.`,
    ]);
  });

  it('points at an unknown top-level key and lists the sections there are', () => {
    const f = fixture('unknown-top-key.yaml');
    expect(errorLines(f)).to.deep.equal([
      `${f}:4:1: rollbacks: expected one of the experiment's sections (title, description, seed, cluster, simulator, settings, steady-state, method, iterations, duration, soak, observe, check, acceptance), found "rollbacks". Faults revert themselves: each registers its revert before it injects, and reverts run on every exit path.`,
    ]);
  });

  it('reports a missing method at the mapping that should hold it', () => {
    const f = fixture('missing-method.yaml');
    expect(errorLines(f)).to.deep.equal([
      `${f}:1:1: method: expected a list of at least one step, each "- fault: <name>" with its parameters, "- wait: <duration>" or "- parallel: [...]", found no method. Add "method:".`,
    ]);
  });

  it('names the catalogue faults for an unknown fault and suggests the closest one', () => {
    const f = fixture('unknown-fault.yaml');
    expect(errorLines(f)).to.deep.equal([
      `${f}:5:12: method[0].fault: expected one of the catalogue's faults (kill-clussvc, isolate-network, stop-node, start-node, live-migrate, drain-node, resume-node, power-off-node, power-on-node, restart-node, fail-storage-path, fail-storage, fail-witness), found "kil-clussvc". Did you mean "kill-clussvc"? Run 'clusterchaos list faults'.`,
    ]);
  });

  it("says a setting's unit and range when it is written as a word, at its line and column", () => {
    const f = fixture('setting-wrong-type.yaml');
    expect(errorLines(f)).to.deep.equal([
      `${f}:5:28: settings.ResiliencyDefaultPeriod: expected an integer number of seconds from 0 to 4294967295, or a duration such as 4m or 240s, found "sixty". Write a whole number of seconds, or a duration: a whole number with its unit (ms, s, m or h), without spaces.`,
    ]);
  });

  it("refuses a setting outside the catalogue's range, naming the range", () => {
    const f = fixture('setting-out-of-range.yaml');
    expect(errorLines(f)).to.deep.equal([
      `${f}:5:20: settings.SameSubnetDelay: expected an integer number of milliseconds from 250 to 4000, or a duration such as 1s or 500ms, found 100.`,
    ]);
  });

  it('suggests the closest known setting for a mistyped one and says how to list them', () => {
    const f = fixture('unknown-setting.yaml');
    expect(errorLines(f)).to.deep.equal([
      `${f}:5:3: settings.ResilencyDefaultPeriod: expected a setting from the catalogue, found "ResilencyDefaultPeriod". Did you mean "ResiliencyDefaultPeriod"? Run 'clusterchaos list settings'.`,
    ]);
  });

  it('refuses a VM owned by a node that is not in cluster.nodes', () => {
    const f = fixture('owner-not-in-cluster.yaml');
    expect(errorLines(f)).to.deep.equal([
      `${f}:6:29: cluster.vms[1].owner: expected one of the cluster's nodes (N1, N2, N3), found "N5". Use a node listed in cluster.nodes, or add it there.`,
    ]);
  });

  it("refuses a fault on a node that is not in the cluster, suggesting the node's exact name", () => {
    const f = fixture('fault-node-not-in-cluster.yaml');
    expect(errorLines(f)).to.deep.equal([
      `${f}:6:11: method[0].node: expected one of the cluster's nodes (N1, N2, N3), found "n2". Did you mean "N2"? Use a node listed in cluster.nodes, or add it there.`,
    ]);
  });

  it('refuses durations with spaces or without a unit, in fault parameters and waits alike', () => {
    const f = fixture('bad-durations.yaml');
    expect(errorLines(f)).to.deep.equal([
      `${f}:7:15: method[0].holdDown: expected a duration such as 500ms, 90s, 2m, 1h or 1m30s, found "2 min". Write a whole number with its unit (ms, s, m or h), without spaces.`,
      `${f}:8:11: method[1].wait: expected a duration such as 500ms, 90s, 2m, 1h or 1m30s, found 90. Give the unit, e.g. 90s or 90ms.`,
    ]);
  });

  it('refuses a key written twice in one mapping, pointing at the second and naming the first', () => {
    const f = fixture('duplicate-keys.yaml');
    expect(errorLines(f)).to.deep.equal([
      `${f}:6:3: settings.ResiliencyDefaultPeriod: expected each key once in a mapping, found "ResiliencyDefaultPeriod" again (first at line 5). Remove one of them.`,
    ]);
  });

  it('collects every problem in file order, one line each, without repeating ajv branch noise', () => {
    const f = fixture('many-problems.yaml');
    const lines = errorLines(f);
    expect(lines.map((l) => l.split(': ')[0])).to.deep.equal([
      `${f}:3:19`, // n1 repeats N1
      `${f}:5:42`, // storage nfs
      `${f}:6:15`, // web01 twice
      `${f}:6:57`, // memoryGB 0
      `${f}:8:12`, // vmStart min > max
      `${f}:10:5`, // kill-clussvc without node
      `${f}:11:5`, // nod
      `${f}:12:5`, // wiat
      `${f}:14:5`, // fault inside a wait step
    ]);
    expect(lines[0]).to.equal(
      `${f}:3:19: cluster.nodes[2]: expected a node name not used before in cluster.nodes (names are compared without case), found "n1", already at cluster.nodes[0]. Give each node its own name.`,
    );
    expect(lines[1]).to.match(/cluster\.vms\[0\]\.storage: expected smb or csv-block, found "nfs"\./);
    expect(lines[4]).to.include('simulator.vmStart: expected [min, max] with min no greater than max, found [20s, 5s]. Swap the two values.');
    expect(lines[5]).to.include('method[0].node: expected the node whose cluster service is killed, found no node. Add "node:" under method[0].');
    expect(lines[6]).to.include('method[0].nod: expected a parameter of kill-clussvc (node, holdDown) or on-failure, found "nod". Did you mean "node"?');
    expect(lines[7]).to.include('method[1]: expected a step: "fault: <name>" with its parameters, or "wait: <duration>", found a mapping with wiat. Did you mean "wait"?');
    expect(lines[8]).to.include('method[2].fault: expected only "wait" in a wait step, found "fault".');
    for (const line of lines) expect(line).not.to.match(/must match|then|else|schema/);
  });

  it('gives each problem as data too: file, line, column, path, expected, found, hint', () => {
    const f = fixture('unknown-fault.yaml');
    expect(thrown(f).problems).to.deep.equal([
      {
        file: f,
        line: 5,
        column: 12,
        path: 'method[0].fault',
        expected: "one of the catalogue's faults (kill-clussvc, isolate-network, stop-node, start-node, live-migrate, drain-node, resume-node, power-off-node, power-on-node, restart-node, fail-storage-path, fail-storage, fail-witness)",
        found: '"kil-clussvc"',
        hint: `Did you mean "kill-clussvc"? Run 'clusterchaos list faults'.`,
      },
    ]);
  });

  it('names a file that does not exist', () => {
    expect(errorLines('experiments/no-such.yaml')).to.deep.equal([
      "experiments/no-such.yaml: expected a readable experiment file (YAML), found no such file. Check the path; 'clusterchaos list experiments' shows the experiments that ship.",
    ]);
  });

  it('names a folder given instead of a file', () => {
    expect(errorLines('experiments')).to.deep.equal(['experiments: expected a readable experiment file (YAML), found a directory.']);
  });

  it('fills in every default for a minimal experiment', () => {
    const e = load(fixture('minimal.yaml'));
    expect(e).to.deep.include({
      name: 'minimal',
      title: 'Minimal',
      description: '',
      cluster: {
        name: 'SIMCLUSTER',
        nodes: ['N1', 'N2', 'N3'],
        vms: [{ name: 'web01', owner: 'N1', storage: 'smb', memoryGB: 4, dirtyMBps: 16, disks: [] }],
        hostVersion: '2012R2+',
        idleCpuCores: 4,
        liveMigration: { transport: 'Compression', nics: 1, nicGbps: 10, teaming: false, jumboFrames: false, powerProfile: 'balanced' },
      },
      simulator: { scmRestartDelayMs: 15_000, vmStartMs: [5000, 20_000], vmIoIntervalMs: [100, 2000], hostBootMs: [90_000, 180_000], liveMigrationJitter: 0.1 },
      settings: {},
      steadyState: { timeoutMs: 120_000, downAfter: [] },
      observe: { intervalMs: 1000 },
      check: { toleranceMs: 2000 },
      acceptance: { settleMs: 30_000, afterKillMs: 90_000, afterMoveMs: 5_000 },
      seed: 1,
    });
    expect(e.method).to.deep.equal([{ kind: 'wait', ms: 10_000, line: 8 }]);
    expect(e).not.to.have.property('soak');
  });

  it('treats optional sections written with nothing under them as left out', () => {
    const e = load(fixture('empty-sections.yaml'));
    expect(e.cluster).to.deep.include({ name: 'LAB', nodes: ['N1'], vms: [] });
    expect(e.settings).to.deep.equal({});
    expect(e.description).to.equal('');
    expect(e.method).to.deep.equal([{ kind: 'wait', ms: 90_000, line: 12 }]);
  });
});
