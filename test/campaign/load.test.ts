import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CampaignError, expandCampaign, loadCampaign, MAX_CAMPAIGN_RUNS, parseSeeds } from '../../src/campaign/load.js';
import type { RunSpec } from '../../src/campaign/types.js';
import { listExperiments } from '../../src/experiment/load.js';
import { simDefects } from '../../src/targets/sim/index.js';

/**
 * Campaign files as a user writes them: the catalogue's two campaigns load and expand into the matrix they
 * describe, and every kind of mistake is refused at its file:line, saying what was expected, what was found and
 * what to do, all of a file's mistakes at once. Mistakes are made in a scratch experiments folder holding copies
 * of two catalogue experiments, with the campaigns in its campaigns/ subfolder as in the catalogue.
 */

const DETECTION = 'experiments/campaigns/detection-matrix.yaml';
const WHAT_IF = 'experiments/campaigns/what-if-resiliency-period.yaml';

let lab: string;
let experiments: string;

before(() => {
  lab = mkdtempSync(join(tmpdir(), 'clusterchaos-campaign-load-'));
  experiments = join(lab, 'experiments');
  mkdirSync(join(experiments, 'campaigns'), { recursive: true });
  for (const f of ['compute-resiliency.yaml', 'clussvc-stays-down.yaml']) copyFileSync(join('experiments', f), join(experiments, f));
});

after(() => rmSync(lab, { recursive: true, force: true }));

/** A campaign file in the scratch folder's campaigns/, written from lines (line 1 is the first). */
function campaign(name: string, ...lines: string[]): string {
  const file = join(experiments, 'campaigns', `${name}.yaml`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** The lines of the CampaignError loading `file` throws. */
function refusal(file: string, o?: { seeds?: number[] }): string[] {
  try {
    loadCampaign(file, o);
  } catch (e) {
    expect(e).to.be.instanceOf(CampaignError);
    return (e as Error).message.split('\n');
  }
  expect.fail(`${file} loaded`);
}

const keys = (specs: RunSpec[]): string[] => specs.map((s) => s.key);

describe('campaign files: the catalogue', () => {
  it('detection-matrix runs every catalogue experiment × no defect and every defect × seeds 1..3, the soak capped at 2000 iterations', () => {
    const c = loadCampaign(DETECTION);
    const catalogue = listExperiments('experiments');
    // every experiment of the catalogue with every defect, then the long soak of the one defect that needs it
    const [long, ...rest] = [...c.experiments].reverse();
    const all = rest.reverse();
    expect(all.map((e) => e.name), 'every experiment of experiments/ is in the campaign').to.deep.equal(catalogue.map((e) => e.name));
    expect(all.map((e) => e.file)).to.deep.equal(catalogue.map((e) => e.file));
    expect(all.find((e) => e.name === 'live-migration-soak')!.sets).to.deep.equal(['iterations=2000']);
    expect(all.filter((e) => e.sets.length > 0).map((e) => e.name)).to.deep.equal(['live-migration-soak']);
    expect(all.every((e) => e.defects === undefined)).to.equal(true);
    expect(long).to.deep.equal({ file: 'experiments/live-migration-soak.yaml', name: 'live-migration-soak-20000', sets: ['iterations=20000'], defects: [null, 'storvsc-race'] });
    expect(c.defects).to.deep.equal([null, ...simDefects.map((d) => d.name)]);
    expect(c.seeds).to.deep.equal([1, 2, 3]);
    expect(c).to.include({ name: 'detection-matrix', file: DETECTION, stopOn: 'never', keep: 'unexpected' });
    expect(c.targets).to.deep.equal([{ kind: 'sim' }]);

    const specs = expandCampaign(c);
    expect(specs).to.have.length((catalogue.length * (simDefects.length + 1) + 2) * 3);
    expect(specs.slice(-6).map((s) => s.key)).to.deep.equal(['none', 'storvsc-race'].flatMap((d) => [1, 2, 3].map((n) => `live-migration-soak-20000/${d}/default/sim/seed-${n}`)));
    expect(specs[0]).to.deep.equal({
      campaign: 'detection-matrix',
      index: 0,
      key: 'asymmetric-partition/none/default/sim/seed-1',
      file: 'experiments/asymmetric-partition.yaml',
      experiment: 'asymmetric-partition',
      seed: 1,
      defect: null,
      sets: [],
      cell: {},
      target: { kind: 'sim' },
    });
    expect(specs[3]!.key).to.equal(`asymmetric-partition/${simDefects[0]!.name}/default/sim/seed-1`);
    const soak = specs.find((s) => s.experiment === 'live-migration-soak' && s.defect === 'lm-stall' && s.seed === 2)!;
    expect(soak).to.include({ key: 'live-migration-soak/lm-stall/default/sim/seed-2', file: 'experiments/live-migration-soak.yaml' });
    expect(soak.sets).to.deep.equal(['iterations=2000']);
  });

  it('what-if-resiliency-period runs clussvc-stays-down over 4 periods × 4 hold-downs × seeds 1..5', () => {
    const c = loadCampaign(WHAT_IF);
    expect(c.experiments).to.deep.equal([{ file: 'experiments/clussvc-stays-down.yaml', name: 'clussvc-stays-down', sets: [] }]);
    expect(c.grid).to.deep.equal([
      { path: 'settings.ResiliencyDefaultPeriod', values: ['30', '60', '120', '240'] },
      { path: 'method[0].holdDown', values: ['5s', '30s', '60s', '120s'] },
    ]);
    expect(c.defects).to.deep.equal([null]);
    expect(c.keep).to.equal('failing');
    const specs = expandCampaign(c);
    expect(specs).to.have.length(1 * 1 * 16 * 1 * 5);
    expect(specs[0]).to.deep.include({
      key: 'clussvc-stays-down/none/ResiliencyDefaultPeriod=30,holdDown=5s/sim/seed-1',
      sets: ['settings.ResiliencyDefaultPeriod=30', 'method[0].holdDown=5s'],
      cell: { 'settings.ResiliencyDefaultPeriod': '30', 'method[0].holdDown': '5s' },
    });
    expect(specs[5]!.key).to.equal('clussvc-stays-down/none/ResiliencyDefaultPeriod=30,holdDown=30s/sim/seed-1');
    expect(specs[79]!.key).to.equal('clussvc-stays-down/none/ResiliencyDefaultPeriod=240,holdDown=120s/sim/seed-5');
  });

  it('gives every run a unique key, a safe folder path, the same on every load, its index its position', () => {
    for (const file of [DETECTION, WHAT_IF]) {
      const specs = expandCampaign(loadCampaign(file));
      expect(new Set(keys(specs)).size, file).to.equal(specs.length);
      expect(keys(expandCampaign(loadCampaign(file))), file).to.deep.equal(keys(specs));
      expect(specs.map((s) => s.index)).to.deep.equal(specs.map((_, i) => i));
      for (const k of keys(specs)) {
        expect(k).to.match(/^[A-Za-z0-9._=,+-]+(\/[A-Za-z0-9._=,+-]+){4}$/);
        expect(k.split('/')).not.to.include.oneOf(['.', '..']);
      }
    }
  });
});

describe('campaign files: the matrix', () => {
  it('expands in matrix order: experiment, defect, grid cell, target, seed', () => {
    const file = campaign(
      'order',
      'title: Order',
      'experiments: [compute-resiliency.yaml, {file: clussvc-stays-down.yaml, set: [settings.ResiliencyDefaultPeriod=90]}]',
      'seeds: [7, 3]',
      'defects: [down-early]',
      'grid:',
      '  check.tolerance: [2s, 3s]',
      'targets: [sim, {cluster: HVCLUSTER01, rehearse: true}]',
      'stop-on: first-failure',
      'evidence: all',
    );
    const c = loadCampaign(file);
    expect(c).to.include({ title: 'Order', stopOn: 'first-failure', keep: 'all' });
    const specs = expandCampaign(c);
    const expected: string[] = [];
    for (const e of ['compute-resiliency', 'clussvc-stays-down'])
      for (const d of ['none', 'down-early'])
        for (const cell of ['tolerance=2s', 'tolerance=3s'])
          for (const t of ['sim', 'rehearse-HVCLUSTER01']) for (const s of [7, 3]) expected.push(`${e}/${d}/${cell}/${t}/seed-${s}`);
    expect(keys(specs)).to.deep.equal(expected);
    const last = specs[specs.length - 1]!;
    expect(last.sets, "the experiment's own --set values, then the cell's").to.deep.equal(['settings.ResiliencyDefaultPeriod=90', 'check.tolerance=3s']);
    expect(last.target).to.deep.equal({ kind: 'powershell', cluster: 'HVCLUSTER01', rehearse: true });
    expect(last.file).to.equal(join(experiments, 'clussvc-stays-down.yaml'));
  });

  it("runs each experiment with its own seed when the campaign gives none, and --seeds replaces the file's", () => {
    const seven = join(experiments, 'seed-seven.yaml');
    writeFileSync(seven, readFileSync(join('experiments', 'compute-resiliency.yaml'), 'utf8').replace(/^seed: 1$/m, 'seed: 7'));
    try {
      const own = loadCampaign(campaign('own-seeds', 'experiments: [compute-resiliency.yaml, seed-seven.yaml]'));
      expect(own.seeds).to.deep.equal([]);
      expect(keys(expandCampaign(own))).to.deep.equal(['compute-resiliency/none/default/sim/seed-1', 'seed-seven/none/default/sim/seed-7']);
      const given = loadCampaign(campaign('given-seeds', 'experiments: [seed-seven.yaml]', 'seeds: 1..2'), { seeds: [40, 41, 42] });
      expect(given.seeds).to.deep.equal([40, 41, 42]);
      expect(keys(expandCampaign(given))).to.deep.equal([40, 41, 42].map((s) => `seed-seven/none/default/sim/seed-${s}`));
    } finally {
      rmSync(seven);
    }
  });

  it('names a grid cell by the last name of each path, and by the whole path when two end alike', () => {
    const file = campaign('names', 'experiments: [compute-resiliency.yaml]', 'grid:', '  settings.ResiliencyDefaultPeriod: [30]', '  check.tolerance: [1s]', '  observe.interval: [1s]');
    expect(keys(expandCampaign(loadCampaign(file)))).to.deep.equal(['compute-resiliency/none/ResiliencyDefaultPeriod=30,tolerance=1s,interval=1s/sim/seed-1']);
    const alike = campaign('alike', 'experiments: [compute-resiliency.yaml]', 'grid:', '  cluster.vms[0].memoryGB: [2, 6]', '  cluster.vms[1].memoryGB: [8]');
    expect(keys(expandCampaign(loadCampaign(alike)))).to.deep.equal([
      'compute-resiliency/none/cluster.vms_0_.memoryGB=2,cluster.vms_1_.memoryGB=8/sim/seed-1',
      'compute-resiliency/none/cluster.vms_0_.memoryGB=6,cluster.vms_1_.memoryGB=8/sim/seed-1',
    ]);
  });

  it('reads "all" as every experiment of the folder above campaigns/', () => {
    const c = loadCampaign(campaign('everything', 'experiments: all', 'defects: none'));
    expect(c.experiments.map((e) => e.name)).to.deep.equal(['clussvc-stays-down', 'compute-resiliency']);
    expect(c.defects).to.deep.equal([null]);
  });

  it('parses --seeds as a range, a list or one seed', () => {
    expect(parseSeeds('3..5')).to.deep.equal([3, 4, 5]);
    expect(parseSeeds('1,7, 9')).to.deep.equal([1, 7, 9]);
    expect(parseSeeds('42')).to.deep.equal([42]);
    expect(() => parseSeeds('5..1')).to.throw('--seeds 5..1: expected a range from..to with from ≤ to, found "5..1". Write 1..5.');
    expect(() => parseSeeds('1-5')).to.throw('Write it with two dots: 1..5.');
  });
});

describe('campaign files: an entry of its own (a long soak for the one defect that needs it)', () => {
  it('runs every experiment, then the entry under its own name with its own defects and the baseline', () => {
    const f = campaign('own', 'experiments: [all, {file: compute-resiliency.yaml, name: cr-long, set: [settings.ResiliencyDefaultPeriod=60], defects: [no-isolation]}]', 'seeds: [4]', 'defects: none');
    const c = loadCampaign(f);
    const specs = expandCampaign(c);
    const own = specs.filter((s) => s.experiment === 'cr-long');
    expect(own.map((s) => [s.key, s.sets])).to.deep.equal([
      ['cr-long/none/default/sim/seed-4', ['settings.ResiliencyDefaultPeriod=60']],
      ['cr-long/no-isolation/default/sim/seed-4', ['settings.ResiliencyDefaultPeriod=60']],
    ]);
    expect(specs.length - own.length, 'every other experiment once, without a defect').to.equal(c.experiments.length - 1);
  });

  it('refuses a bad name, an unknown defect in the entry, and a name taken twice, at their lines', () => {
    const f = campaign('own-bad', 'experiments:', '  - all', '  - {file: compute-resiliency.yaml, name: a/b}', '  - {file: compute-resiliency.yaml, defects: [no-isolaton]}');
    const lines = refusal(f);
    expect(lines.some((l) => l.includes(':3:') && l.includes('experiments[1].name: expected a name for this entry'))).to.equal(true);
    expect(lines.some((l) => l.includes(':4:') && l.includes('experiments[2].defects[0]') && l.includes('Did you mean "no-isolation"?'))).to.equal(true);
    expect(lines.some((l) => l.includes(':4:') && l.includes('found "compute-resiliency" again (first at experiments[0])'))).to.equal(true);
  });
});

describe('campaign files: what a user is told, at file:line', () => {
  it('refuses an unknown key, naming the nearest known one', () => {
    const f = campaign('unknown-key', 'title: x', 'experiments: [compute-resiliency.yaml]', 'seed: 1..3');
    expect(refusal(f)).to.deep.equal([
      `${f}:3:1: seed: expected one of the known keys (title, description, experiments, seeds, defects, grid, targets, stop-on, evidence), found "seed". Did you mean "seeds"? Remove it, or check its spelling.`,
    ]);
  });

  it("refuses an unknown key in an experiment's entry and in a target", () => {
    const f = campaign('unknown-inner', 'experiments: [{file: compute-resiliency.yaml, sets: [a=1]}]', 'targets: [{clutser: X}]');
    expect(refusal(f)).to.deep.equal([
      `${f}:1:47: experiments[0].sets: expected one of the known keys (file, set, name, defects), found "sets". Did you mean "set"? Remove it.`,
      `${f}:2:11: targets[0]: expected the cluster's name (as Get-Cluster gives it), found no cluster. Write {cluster: HV-LAB-A}.`,
      `${f}:2:12: targets[0].clutser: expected one of the known keys (cluster, rehearse), found "clutser". Did you mean "cluster"? Remove it.`,
    ]);
  });

  it('refuses a reversed seed range, a seed out of range and a repeated seed', () => {
    const reversed = campaign('reversed', 'experiments: [compute-resiliency.yaml]', 'seeds: 5..1');
    expect(refusal(reversed)).to.deep.equal([`${reversed}:2:8: seeds: expected a range from..to with from ≤ to, found "5..1". Write 1..5.`]);
    const list = campaign('seed-list', 'experiments: [compute-resiliency.yaml]', 'seeds: [1, -2, 1]');
    expect(refusal(list)).to.deep.equal([
      `${list}:2:12: seeds[1]: expected a seed: an integer from 0 to 4294967295, found -2.`,
      `${list}:2:16: seeds[2]: expected each seed once, found 1 again. Remove the repeated seed.`,
    ]);
    const dash = campaign('seed-dash', 'experiments: [compute-resiliency.yaml]', 'seeds: 1-5');
    expect(refusal(dash)).to.deep.equal([
      `${dash}:2:8: seeds: expected a range from..to (e.g. 1..5), a list of seeds ([1, 7, 9]) or one seed; each an integer from 0 to 4294967295, found "1-5". Write it with two dots: 1..5.`,
    ]);
  });

  it('refuses bad --seeds naming the flag', () => {
    const f = campaign('flag-seeds', 'experiments: [compute-resiliency.yaml]');
    expect(refusal(f, { seeds: [3, 3] })).to.deep.equal([`${f}: --seeds: seeds: expected each seed once, found 3 again. Remove the repeated seed.`]);
  });

  it('refuses an unknown defect, suggesting the nearest profile', () => {
    const f = campaign('unknown-defect', 'experiments: [compute-resiliency.yaml]', 'defects: [down-early, no-isolaton]');
    expect(refusal(f)).to.deep.equal([
      `${f}:2:23: defects[1]: expected a simulator defect profile ('clusterchaos list defects'), found "no-isolaton". Did you mean "no-isolation"?`,
    ]);
    const word = campaign('defects-word', 'experiments: [compute-resiliency.yaml]', 'defects: al');
    expect(refusal(word)).to.deep.equal([
      `${word}:2:10: defects: expected none, all (every simulator defect profile) or a list of defect profiles ('clusterchaos list defects'), found "al". Did you mean "all"?`,
    ]);
  });

  it('refuses a missing experiment file, naming the folder paths start from and the nearest file', () => {
    const f = campaign('missing', 'experiments:', '  - compute-resilency.yaml');
    expect(refusal(f)).to.deep.equal([
      `${f}:2:5: experiments[0]: expected an experiment file in ${experiments}, found no such file: ${join(experiments, 'compute-resilency.yaml')}. Did you mean "compute-resiliency.yaml"? Paths are relative to ${experiments} ('clusterchaos list experiments' shows the catalogue).`,
    ]);
  });

  it("refuses a grid path or value the experiment refuses, at the grid's line, in the experiment's words", () => {
    const f = campaign('grid', 'experiments: [clussvc-stays-down.yaml]', 'grid:', '  method[0].holdDown: [5s, 5x]', '  method[4].holdDown: [5s]');
    const exp = join(experiments, 'clussvc-stays-down.yaml');
    expect(refusal(f)).to.deep.equal([
      `${f}:3:28: grid.method[0].holdDown[1]: expected a duration such as 500ms, 90s, 2m, 1h or 1m30s, found "5x". Write a whole number with its unit (ms, s, m or h), without spaces. (the experiment ${exp} at method[0].holdDown with --set method[0].holdDown=5x)`,
      `${f}:4:24: grid.method[4].holdDown[0]: expected an index from 0 to 1 (the list has 2 items), found 4. --set changes items that exist; add new ones in the file. (the experiment ${exp} at method[4] with --set method[4].holdDown=5s)`,
    ]);
  });

  it("refuses an experiment's own set: value the experiment refuses, at that value's line", () => {
    const f = campaign('own-set', 'experiments:', '  - file: compute-resiliency.yaml', '    set: [settings.NoSuchSetting=1]');
    const lines = refusal(f);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(new RegExp(`^${escape(f)}:3:11: experiments\\[0\\]\\.set\\[0\\]: expected .*found "NoSuchSetting".*\\(the experiment ${escape(join(experiments, 'compute-resiliency.yaml'))} at settings\\.NoSuchSetting with --set settings\\.NoSuchSetting=1\\)$`));
  });

  it('refuses defects with a real cluster, and lets the rehearsal lab take them', () => {
    const f = campaign('real-defects', 'experiments: [compute-resiliency.yaml]', 'defects: [down-early]', 'targets: [sim, {cluster: HVCLUSTER01}]');
    expect(refusal(f)).to.deep.equal([
      `${f}:3:16: targets[1]: expected no defects with a real cluster (defects: none), found defects (1) and the cluster "HVCLUSTER01". Defect profiles make the simulator misbehave; a real cluster has its own. Remove the defects, or rehearse the cluster ({cluster: …, rehearse: true}), or put the real cluster in a campaign of its own.`,
    ]);
    const rehearsed = campaign('rehearsed-defects', 'experiments: [compute-resiliency.yaml]', 'defects: [down-early]', 'targets: [{cluster: HVCLUSTER01, rehearse: true}]');
    expect(expandCampaign(loadCampaign(rehearsed))).to.have.length(2);
  });

  it("refuses a real cluster the experiment does not describe", () => {
    const f = campaign('other-cluster', 'experiments: [compute-resiliency.yaml]', 'targets: [{cluster: HV-LAB-A}]');
    expect(refusal(f)).to.deep.equal([
      `${f}:1:15: experiments[0]: expected an experiment of the cluster HV-LAB-A (targets[0]): a run on a real cluster needs its nodes and VMs described, found ${join(experiments, 'compute-resiliency.yaml')}, of the cluster HVCLUSTER01. Write cluster.name: HV-LAB-A and its nodes and VMs in an experiment of its own (or add set: [cluster.name=HV-LAB-A] when the nodes and VMs are the same).`,
    ]);
    const renamed = campaign('renamed-cluster', 'experiments: [{file: compute-resiliency.yaml, set: [cluster.name=HV-LAB-A]}]', 'targets: [{cluster: HV-LAB-A}]');
    expect(keys(expandCampaign(loadCampaign(renamed)))).to.deep.equal(['compute-resiliency/none/default/cluster-HV-LAB-A/seed-1']);
  });

  it(`refuses a campaign of more than ${MAX_CAMPAIGN_RUNS.toLocaleString('en-US')} runs before building it`, () => {
    const f = campaign('too-big', 'experiments: all', 'seeds: 0..999999', 'defects: all');
    expect(refusal(f)).to.deep.equal([
      `${f}:2:8: seeds: expected at most 1,000,000 runs, found 2 experiments × ${simDefects.length + 1} defect columns × 1 grid cell × 1 target × 1000000 seeds = ${(2 * (simDefects.length + 1) * 1_000_000).toLocaleString('en-US')} runs. Split it into several campaigns, or narrow an axis (fewer seeds, a smaller grid).`,
    ]);
    const huge = campaign('huge-range', 'experiments: [compute-resiliency.yaml]', 'seeds: 0..4294967295');
    expect(refusal(huge)).to.deep.equal([`${huge}:2:8: seeds: expected a range of at most 1,000,000 seeds (a campaign's most runs), found "0..4294967295". Split it into several campaigns.`]);
  });

  it('refuses two grid values or targets that would share a run folder (folders compare without case on Windows)', () => {
    const f = campaign(
      'same-folder',
      'experiments: [compute-resiliency.yaml]',
      'grid:',
      '  check.tolerance: [2s, 2S, 3s]',
      'targets: [{cluster: HVCLUSTER01, rehearse: true}, {cluster: hvcluster01, rehearse: true}]',
    );
    expect(refusal(f)).to.deep.equal([
      `${f}:3:25: grid.check.tolerance[1]: expected each value once (a cell names its run folder), found "2S", the same folder name as "2s". Remove the repeated value.`,
      `${f}:4:51: targets[1]: expected each target once (cluster names compare without case, as in Windows), found a rehearsal of the cluster "hvcluster01" again (first at targets[0]). Remove the repeated target.`,
    ]);
  });

  it("lists every problem of a file at once, in the file's order", () => {
    const f = campaign(
      'many',
      'title: Many',
      'experiments: [compute-resiliency.yaml, compute-resiliency.yaml]',
      'seeds: 3..2',
      'grid:',
      '  seed: [1, 2]',
      'targets: [simm]',
      'stop-on: first-fail',
      'evidence: some',
    );
    const lines = refusal(f);
    expect(lines.map((l) => l.slice(f.length + 1).split(': ')[0])).to.deep.equal(['2:40', '3:8', '5:3', '6:11', '7:10', '8:11']);
    expect(lines[0]).to.include(`experiments[1]: expected each experiment once (a run is keyed by the experiment's name), found "compute-resiliency" again (first at experiments[0]). Run one experiment with several values through grid: instead, or give this entry a name: of its own.`);
    expect(lines[2]).to.include('grid.seed: expected a --set path other than seed, found "seed". Give the seeds under seeds: (a range 1..5 or a list).');
    expect(lines[3]).to.include('targets[0]: expected a list of targets, each sim or {cluster: NAME} (a real cluster through the PowerShell target; add rehearse: true for the rehearsal lab), found "simm". Did you mean "sim"?');
    expect(lines[4]).to.include('stop-on: expected one of never, first-failure, found "first-fail". Did you mean "first-failure"?');
    expect(lines[5]).to.include('evidence: expected one of failing, all, unexpected, found "some".');
  });

  it('refuses a file that is not a campaign: missing, not YAML, not a mapping', () => {
    const missing = join(experiments, 'campaigns', 'no-such.yaml');
    expect(refusal(missing)).to.deep.equal([`${missing}: expected a readable campaign file (YAML), found no such file. Check the path; the catalogue's campaigns are in experiments/campaigns/.`]);
    const syntax = campaign('syntax', 'title: x', 'experiments: [compute-resiliency.yaml]', '  bad: indent');
    expect(refusal(syntax)[0]).to.match(new RegExp(`^${escape(syntax)}:3:1: expected valid YAML, found a syntax error`));
    const list = campaign('list', '- compute-resiliency.yaml');
    expect(refusal(list)[0]).to.equal(`${list}:1:1: expected a mapping with title, experiments, seeds, defects, grid, targets, stop-on, evidence, found a list of 1 item. See experiments/campaigns/ for examples.`);
    const none = campaign('no-experiments', 'title: Nothing to run');
    expect(refusal(none)[0]).to.match(/:1:1: experiments: expected all \(every experiment of the folder\) or a list of experiment files.*found no experiments\. Add "experiments: all"/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
