import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { FaultStep } from '../../src/experiment/types.js';
import { errorLines, fixture, load, shipped, thrown } from './helpers.js';

const flagship = shipped('compute-resiliency.yaml');

describe('--set and --seed', () => {
  it('overrides a number written in the file', () => {
    const e = load(flagship, { sets: ['settings.ResiliencyDefaultPeriod=240'] });
    expect(e.settings).to.deep.equal({ ResiliencyDefaultPeriod: 240 });
  });

  it('creates a setting the file does not have', () => {
    const e = load(flagship, { sets: ['settings.QuarantineDuration=300'] });
    expect(e.settings).to.deep.equal({ ResiliencyDefaultPeriod: 60, QuarantineDuration: 300 });
  });

  it("overrides a field of a VM in the cluster's list", () => {
    const e = load(flagship, { sets: ['cluster.vms[0].memoryGB=56'] });
    expect(e.cluster.vms[0]).to.include({ name: 'dc01', memoryGB: 56 });
    expect(e.cluster.vms[1]!.memoryGB).to.equal(8);
  });

  it('reads durations, lists and text as YAML and converts them like the file', () => {
    const e = load(flagship, {
      sets: ['observe.interval=500ms', 'simulator.vmStart=[1s, 2s]', 'method[0].holdDown=90s', 'title=Kill: clussvc', 'method[1].wait=2m'],
    });
    expect(e.observe.intervalMs).to.equal(500);
    expect(e.simulator.vmStartMs).to.deep.equal([1000, 2000]);
    expect((e.method[0] as FaultStep).params).to.deep.equal({ node: 'N2', holdDown: 90_000 });
    expect(e.title).to.equal('Kill: clussvc');
    expect(e.method[1]).to.include({ kind: 'wait', ms: 120_000 });
  });

  it('creates a section the file leaves out', () => {
    const e = load(fixture('minimal.yaml'), { sets: ['simulator.scmRestartDelay=30s', 'steady-state.timeout=5m'] });
    expect(e.simulator.scmRestartDelayMs).to.equal(30_000);
    expect(e.steadyState.timeoutMs).to.equal(300_000);
  });

  it('lets the last of two flags for the same path win', () => {
    const e = load(flagship, { sets: ['settings.ResiliencyDefaultPeriod=120', 'settings.ResiliencyDefaultPeriod=30'] });
    expect(e.settings.ResiliencyDefaultPeriod).to.equal(30);
  });

  it('leaves the file as it was', () => {
    const before = readFileSync(flagship, 'utf8');
    load(flagship, { sets: ['settings.ResiliencyDefaultPeriod=240'] });
    expect(readFileSync(flagship, 'utf8')).to.equal(before);
    expect(load(flagship).settings.ResiliencyDefaultPeriod).to.equal(60);
  });

  it('names the flag, not a line, when the value it sets is wrong', () => {
    expect(errorLines(flagship, { sets: ['settings.ResiliencyDefaultPeriod=sixty'] })).to.deep.equal([
      `${flagship}: --set settings.ResiliencyDefaultPeriod=sixty: expected an integer number of seconds from 0 to 4294967295, or a duration such as 4m or 240s, found "sixty". Write a whole number of seconds, or a duration: a whole number with its unit (ms, s, m or h), without spaces.`,
    ]);
    const [problem] = thrown(flagship, { sets: ['settings.ResiliencyDefaultPeriod=sixty'] }).problems;
    expect(problem).to.include({ flag: '--set settings.ResiliencyDefaultPeriod=sixty', path: 'settings.ResiliencyDefaultPeriod' });
    expect(problem).not.to.have.property('line');
  });

  it("takes a setting as a duration or a value's name, as the file does", () => {
    const e = load(flagship, { sets: ['settings.ResiliencyDefaultPeriod=2m', 'settings.ResiliencyLevel=IsolateOnSpecialHeartbeat'] });
    expect(e.settings).to.include({ ResiliencyDefaultPeriod: 120, ResiliencyLevel: 1 });
  });

  it('says which plain number to write when a value that takes no duration is given one', () => {
    expect(errorLines(flagship, { sets: ['cluster.vms[0].resiliencyPeriod=2m'] })).to.deep.equal([
      `${flagship}: --set cluster.vms[0].resiliencyPeriod=2m: expected an integer number of seconds from 0 to 4294967295 (0, the group default, means none of its own: the cluster's ResiliencyDefaultPeriod applies), found "2m". Write 120, a plain number of seconds.`,
    ]);
  });

  it('suggests the setting meant by a mistyped name in a flag', () => {
    expect(errorLines(flagship, { sets: ['settings.QuarantineDuraton=300'] })).to.deep.equal([
      `${flagship}: --set settings.QuarantineDuraton=300: expected a setting from the catalogue, found "QuarantineDuraton". Did you mean "QuarantineDuration"? Run 'clusterchaos list settings'.`,
    ]);
  });

  it('names the flag and the section when a flag creates a section that does not exist', () => {
    expect(errorLines(flagship, { sets: ['setings.QuarantineDuration=300'] })).to.deep.equal([
      `${flagship}: --set setings.QuarantineDuration=300: setings: expected one of the experiment's sections (title, description, seed, cluster, simulator, settings, steady-state, method, iterations, duration, soak, observe, check, acceptance), found "setings". Did you mean "settings"?`,
    ]);
  });

  it('refuses a flag without "="', () => {
    expect(errorLines(flagship, { sets: ['settings.ResiliencyDefaultPeriod'] })).to.deep.equal([
      `${flagship}: --set settings.ResiliencyDefaultPeriod: expected path=value, e.g. --set settings.ResiliencyDefaultPeriod=60, found no "=".`,
    ]);
  });

  it('refuses a path that is not a dotted path', () => {
    expect(errorLines(flagship, { sets: ['cluster..vms=1', 'vms[x]=1'] })).to.deep.equal([
      `${flagship}: --set cluster..vms=1: expected a dotted path such as settings.ResiliencyDefaultPeriod or cluster.vms[0].memoryGB, found "cluster..vms".`,
      `${flagship}: --set vms[x]=1: expected a dotted path such as settings.ResiliencyDefaultPeriod or cluster.vms[0].memoryGB, found "vms[x]".`,
    ]);
  });

  it('refuses a list index the file does not have, saying how many items there are', () => {
    expect(errorLines(flagship, { sets: ['cluster.vms[8].memoryGB=56'] })).to.deep.equal([
      `${flagship}: --set cluster.vms[8].memoryGB=56: cluster.vms[8]: expected an index from 0 to 7 (the list has 8 items), found 8. --set changes items that exist; add new ones in the file.`,
    ]);
  });

  it('refuses a path through a value that is not a mapping', () => {
    expect(errorLines(flagship, { sets: ['seed.value=3'] })).to.deep.equal([
      `${flagship}: --set seed.value=3: seed: expected a mapping to hold "value", found the number 1.`,
    ]);
  });

  it('checks a flag against the other values: a fault moved to a node the cluster does not have', () => {
    expect(errorLines(flagship, { sets: ['method[0].node=N9'] })).to.deep.equal([
      `${flagship}: --set method[0].node=N9: expected one of the cluster's nodes (N1, N2, N3, N4), found "N9". Use a node listed in cluster.nodes, or add it there.`,
    ]);
  });

  it('names the flag and the path inside it when a flag sets a whole mapping', () => {
    expect(errorLines(flagship, { sets: ['cluster.vms[0]={name: dc01, owner: N1}'] })).to.deep.equal([
      `${flagship}: --set cluster.vms[0]={name: dc01, owner: N1}: cluster.vms[0].storage: expected smb or csv-block, found no storage. Add "storage:" under cluster.vms[0].`,
    ]);
  });

  it("lists the file's problems by line, then the flags' in the order given", () => {
    const f = fixture('unknown-fault.yaml');
    expect(errorLines(f, { sets: ['settings.ResiliencyDefaultPeriod=-1', 'oops'] })).to.deep.equal([
      `${f}:5:12: method[0].fault: expected one of the catalogue's faults (kill-clussvc, isolate-network, stop-node, start-node, live-migrate, drain-node, resume-node, power-off-node, power-on-node, restart-node, fail-storage-path, fail-storage, fail-witness), found "kil-clussvc". Did you mean "kill-clussvc"? Run 'clusterchaos list faults'.`,
      `${f}: --set settings.ResiliencyDefaultPeriod=-1: expected an integer number of seconds from 0 to 4294967295, or a duration such as 4m or 240s, found -1.`,
      `${f}: --set oops: expected path=value, e.g. --set settings.ResiliencyDefaultPeriod=60, found no "=".`,
    ]);
  });

  it('reports flag problems beside a YAML syntax error', () => {
    const f = fixture('syntax-error.yaml');
    const lines = errorLines(f, { sets: ['oops'] });
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(new RegExp(`^${f.replace(/\./g, '\\.')}:4:1: expected valid YAML`));
    expect(lines[1]).to.equal(`${f}: --set oops: expected path=value, e.g. --set settings.ResiliencyDefaultPeriod=60, found no "=".`);
  });

  it("replaces the file's seed with --seed", () => {
    expect(load(flagship, { seed: 42 }).seed).to.equal(42);
    expect(load(flagship, { seed: 42, sets: ['seed=7'] }).seed).to.equal(42);
  });

  it('names --seed when the seed it gives is not a seed', () => {
    expect(errorLines(flagship, { seed: -1 })).to.deep.equal([`${flagship}: --seed -1: expected an integer seed from 0 to 4294967295, found -1.`]);
  });
});
