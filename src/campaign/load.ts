/**
 * Loading a campaign: the runs to make as a matrix, read from YAML keeping every value's position, checked
 * deeply (each experiment loads with each grid value, each defect exists) and cheaply (nothing is run), and
 * either returned as a `Campaign` or refused with one `CampaignError` listing every problem at its file:line,
 * like an experiment (exit code 2, nothing run). `expandCampaign` turns it into the runs, in matrix order.
 *
 * The format (experiments/campaigns/*.yaml):
 *
 *   title: Detection matrix — every experiment × every defect × seeds 1..3
 *   experiments: all            # every *.yaml of the experiments folder, or a list of files (each a path, or
 *                               # {file: live-migration-soak.yaml, set: [iterations=2000]} with its own --set values)
 *   seeds: 1..5                 # a range a..b (inclusive), a list [1, 7, 9] or one seed; default: each experiment's own
 *   defects: all                # none (default) | all (every simulator defect profile) | [name, …]; each comes with
 *                               # the run without defects (the baseline)
 *   grid:                       # optional: --set paths and the values each takes; the cells are their cross product
 *     settings.ResiliencyDefaultPeriod: [30, 60, 120, 240]
 *     method[0].holdDown: [5s, 30s, 60s, 120s]
 *   targets: [sim]              # default [sim]; a real cluster through the PowerShell target: {cluster: HV-LAB-A}
 *                               # (the experiment's cluster.name must be that cluster; a worker's allowlist names it),
 *                               # or {cluster: HV-LAB-A, rehearse: true} in the rehearsal lab
 *   stop-on: never              # never (default) | first-failure: no new run starts after a run fails or is unknown
 *   evidence: failing           # failing (default: failing and unknown runs' trace, summary.json, report.html) | all
 *                               # | unexpected (only runs that surprise: a baseline not passing, an unknown; a
 *                               # defect run that passes is none: most experiments do not exercise a given defect)
 *
 * Experiment paths are relative to the experiments folder: the folder above `campaigns/` when the campaign is in
 * one (experiments/campaigns/x.yaml → experiments/), else the campaign's own folder. They stay relative to the
 * working folder when the campaign's path is, so replay commands read as a user types them.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, parse as parseFileName, resolve } from 'node:path';
import { settingDefinitions } from '../../machines/index.js';
import { formatProblems, sortProblems, type Problem } from '../experiment/errors.js';
import { describeValue } from '../experiment/finding.js';
import { bytesText } from '../experiment/limits.js';
import { ExperimentError, listExperiments, loadExperiment } from '../experiment/load.js';
import { parsePath, pathText, type Segment } from '../experiment/path.js';
import { ExperimentSource } from '../experiment/source.js';
import { didYouMean, hints } from '../experiment/suggest.js';
import { MAX_TITLE_LENGTH, textFindings } from '../experiment/text.js';
import { faults } from '../faults/catalogue.js';
import { blastRadiusProblems } from '../safety/blast-radius.js';
import { simDefects } from '../targets/sim/index.js';
import type { Campaign, CampaignExperiment, GridAxis, Keep, RunSpec, RunTarget, StopOn } from './types.js';

/** More runs than this is a typo in a range (1..1000000000) more often than a plan: split it into campaigns. */
export const MAX_CAMPAIGN_RUNS = 1_000_000;
/** A campaign is a screenful; the largest shipped one is under 3 KB. */
const MAX_CAMPAIGN_BYTES = 256 * 1024;
const MAX_SEED = 0xffffffff;

const KEYS = ['title', 'description', 'experiments', 'seeds', 'defects', 'grid', 'targets', 'stop-on', 'evidence'] as const;
const STOP_ON: readonly StopOn[] = ['never', 'first-failure'];
const KEEP: readonly Keep[] = ['failing', 'all', 'unexpected'];

/** A campaign that cannot be run as written: bad input, exit code 2, nothing run. */
export class CampaignError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    super(formatProblems(problems));
    this.name = 'CampaignError';
    this.problems = problems;
  }
}

/** Each experiment's own seed as its file (with its `set:`) says, found while checking it, for `expandCampaign`. */
const ownSeeds = new Map<string, number>();
const seedKey = (file: string, sets: readonly string[]): string => JSON.stringify([resolve(file), ...sets]);

/** Read and check a campaign file. `o.seeds` (`--seeds`) replaces the file's seeds. Throws `CampaignError` with every problem. */
export function loadCampaign(file: string, o: { seeds?: number[] } = {}): Campaign {
  const source = new ExperimentSource(file, readCampaignFile(file));
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) throw new CampaignError(syntax);
  const problems: Problem[] = [...source.duplicateKeyProblems()];
  let data: unknown;
  try {
    data = source.doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw new CampaignError([{ file, path: '', expected: 'a YAML document that can be read as data', found: (e as Error).message, hint: '' }]);
  }
  const at = (path: Segment[], where: 'value' | 'key' = 'value'): { line?: number; column?: number } => source.locate(path, where === 'key') ?? {};
  const bad = (path: Segment[], expected: string, found: string, hint = '', where: 'value' | 'key' = 'value'): void => {
    problems.push({ file, ...at(path, where), path: pathText(path), expected, found, hint });
  };

  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    bad([], 'a mapping with title, experiments, seeds, defects, grid, targets, stop-on, evidence', describeValue(data), 'See experiments/campaigns/ for examples.');
    throw new CampaignError(sortProblems(problems));
  }
  const doc = data as Record<string, unknown>;
  // a refused character (a control or invisible one) is what to fix first: nothing else is said of that value
  const refused = new Set<string>();
  for (const f of textFindings(doc)) {
    refused.add(pathText(f.path));
    bad(f.path, f.expected, f.found, f.hint, f.at === 'key' ? 'key' : 'value');
  }
  const clean = (path: Segment[]): boolean => !refused.has(pathText(path));
  for (const key of Object.keys(doc)) {
    if (!(KEYS as readonly string[]).includes(key) && clean([key])) {
      bad([key], `one of the known keys (${KEYS.join(', ')})`, describeValue(key), hints(didYouMean(key, KEYS), 'Remove it, or check its spelling.'), 'key');
    }
  }

  const name = parseFileName(file).name;
  const title = readTitle(doc.title, name, bad);
  if (doc.description !== undefined && typeof doc.description !== 'string') bad(['description'], 'text saying what the campaign is for (a > block for several lines)', describeValue(doc.description));
  const folder = experimentsFolder(file);
  const experiments = clean(['experiments']) ? readExperiments(doc.experiments, file, folder, bad) : [];
  const fileSeeds = doc.seeds === undefined || !clean(['seeds']) ? [] : readSeeds(doc.seeds, (expected, found, hint, i) => bad(i === undefined ? ['seeds'] : ['seeds', i], expected, found, hint));
  let seeds = fileSeeds;
  if (o.seeds !== undefined) {
    seeds = checkSeedList(o.seeds, (expected, found, hint) => problems.push({ file, flag: '--seeds', path: 'seeds', expected, found, hint }));
  }
  const defects = clean(['defects']) ? readDefects(doc.defects, bad) : [null];
  const grid = clean(['grid']) ? readGrid(doc.grid, bad) : [];
  const targets = clean(['targets']) ? readTargets(doc.targets, bad) : [{ kind: 'sim' as const }];
  const stopOn = readChoice(doc['stop-on'], 'stop-on', STOP_ON, 'never', bad);
  const keep = readChoice(doc.evidence, 'evidence', KEEP, 'failing', bad);

  const real = targets.map((t, i) => ({ t, i })).filter(({ t }) => t.kind === 'powershell' && !t.rehearse);
  if ([defects, ...experiments.map((e) => e.defects ?? [])].some((ds) => ds.some((d) => d !== null)) && real.length > 0) {
    const { t, i } = real[0]!;
    bad(
      ['targets', i],
      'no defects with a real cluster (defects: none)',
      `defects (${defects.length - 1}) and the cluster ${describeValue((t as { cluster: string }).cluster)}`,
      'Defect profiles make the simulator misbehave; a real cluster has its own. Remove the defects, or rehearse the cluster ({cluster: …, rehearse: true}), or put the real cluster in a campaign of its own.',
    );
  }

  // the runs are counted before anything is built: a range of a billion seeds is refused, not expanded
  const cells = grid.reduce((n, a) => n * a.values.length, 1);
  // seeds that could not be read were reported already: no count for them
  const seedCount = o.seeds !== undefined ? seeds.length : doc.seeds === undefined ? 1 : seeds.length;
  const columns = experiments.reduce((n, e) => n + (e.defects ?? defects).length, 0);
  const runs = columns * cells * targets.length * Math.max(1, seedCount);
  if (runs > MAX_CAMPAIGN_RUNS) {
    const own = experiments.some((e) => e.defects);
    const axes = `${own ? `${columns} experiment × defect column${plural(columns)}` : `${experiments.length} experiment${plural(experiments.length)} × ${defects.length} defect column${plural(defects.length)}`} × ${cells} grid cell${plural(cells)} × ${targets.length} target${plural(targets.length)} × ${seedCount} seed${plural(seedCount)}`;
    const found = `${axes} = ${runs.toLocaleString('en-US')} runs`;
    const hint = 'Split it into several campaigns, or narrow an axis (fewer seeds, a smaller grid).';
    if (o.seeds !== undefined) problems.push({ file, flag: '--seeds', path: 'seeds', expected: `at most ${MAX_CAMPAIGN_RUNS.toLocaleString('en-US')} runs`, found, hint });
    else bad([doc.seeds !== undefined ? 'seeds' : 'experiments'], `at most ${MAX_CAMPAIGN_RUNS.toLocaleString('en-US')} runs`, found, hint);
  }

  problems.push(...checkExperiments(experiments, grid, targets, source));
  if (problems.length > 0) throw new CampaignError(sortProblems(problems, ['--seeds']));
  return {
    name,
    title,
    file,
    experiments: experiments.map(({ file: f, name: n, sets, defects: d }) => ({ file: f, name: n, sets, ...(d ? { defects: d } : {}) })),
    seeds,
    defects,
    grid,
    targets,
    stopOn,
    keep,
  };
}

/**
 * The runs of a campaign in matrix order: experiment, defect, grid cell, target, seed. With no seeds in the
 * campaign, each experiment runs with its own.
 */
export function expandCampaign(c: Campaign): RunSpec[] {
  const cells = gridCells(c.grid);
  const specs: RunSpec[] = [];
  for (const e of c.experiments) {
    const seeds = c.seeds.length > 0 ? c.seeds : [ownSeed(c, e)];
    for (const defect of e.defects ?? c.defects) {
      for (const cell of cells) {
        for (const target of c.targets) {
          for (const seed of seeds) {
            const key = [safeSegment(e.name), defect ?? 'none', cell.key, targetKey(target), `seed-${seed}`].join('/');
            specs.push({ campaign: c.name, index: specs.length, key, file: e.file, experiment: e.name, seed, defect, sets: [...e.sets, ...cell.sets], cell: cell.values, target });
          }
        }
      }
    }
  }
  // the loader refuses whatever could make two runs share a key: a key is a folder and a job id
  const keys = new Set(specs.map((s) => folderName(s.key)));
  if (keys.size !== specs.length) throw new Error(`campaign ${c.name}: two runs share a key (${specs.find((s, i) => specs.findIndex((t) => folderName(t.key) === folderName(s.key)) !== i)?.key})`);
  return specs;
}

/**
 * `--seeds` as a user types it: `1..100`, `1,7,9` or `42`. Throws an Error saying what was expected; the
 * CLI reports it as bad input.
 */
export function parseSeeds(text: string): number[] {
  const problems: string[] = [];
  const t = text.trim();
  const value = /^\d+(\s*,\s*\d+)*$/.test(t) ? t.split(',').map(Number) : t;
  const seeds = readSeeds(value, (expected, found, hint) => problems.push(`expected ${expected}, found ${found}.${hint ? ` ${hint}` : ''}`));
  if (problems.length > 0) throw new Error(`--seeds ${text}: ${problems.join(' ')}`);
  return seeds;
}

// ── reading each key ────────────────────────────────────────────────────────────────────────────────

type Bad = (path: Segment[], expected: string, found: string, hint?: string, where?: 'value' | 'key') => void;

interface Entry extends CampaignExperiment {
  /** Where the campaign names it, and where each of its own `set:` values is written. */
  path: Segment[];
  setPaths: Segment[][];
  /** False when the file is not there (already reported): it is not loaded. */
  exists: boolean;
}

function readTitle(value: unknown, name: string, bad: Bad): string {
  if (value === undefined) return name;
  if (typeof value !== 'string' || value.trim() === '') {
    bad(['title'], 'one line of text saying what the campaign is for', describeValue(value), 'Write e.g. title: Detection matrix — every experiment × every defect.');
    return name;
  }
  if (value.length > MAX_TITLE_LENGTH) bad(['title'], `a title of at most ${MAX_TITLE_LENGTH} characters`, `${value.length} characters`, 'Put the rest under description.');
  return value.trim();
}

/** Where experiment paths start from: experiments/ for experiments/campaigns/x.yaml, else the campaign's folder. */
function experimentsFolder(file: string): string {
  const dir = dirname(file);
  return basename(resolve(dir)) === 'campaigns' ? dirname(dir) : dir;
}

function yamlFiles(folder: string): string[] {
  try {
    return readdirSync(folder)
      .filter((f) => /\.ya?ml$/i.test(f))
      .sort();
  } catch {
    return [];
  }
}

/** Every experiment of the folder, in the catalogue's order (as 'clusterchaos list experiments' and the docs' matrix have it). */
function allExperiments(campaignFile: string, folder: string): string[] {
  const self = resolve(campaignFile);
  return listExperiments(folder)
    .map((e) => e.file)
    .filter((f) => resolve(f) !== self);
}

function readExperiments(value: unknown, campaignFile: string, folder: string, bad: Bad): Entry[] {
  const expected = 'all (every experiment of the folder) or a list of experiment files, each a path or {file: …, set: [path=value, …]}';
  if (value === undefined) {
    bad(['experiments'], expected, 'no experiments', `Add "experiments: all", or list files of ${folder}.`);
    return [];
  }
  if (value === 'all') {
    const files = allExperiments(campaignFile, folder);
    if (files.length === 0) bad(['experiments'], `experiment files (*.yaml) in ${folder}`, 'none', 'Check where the campaign file is: "all" reads the folder above campaigns/.');
    return files.map((f) => ({ file: f, name: parseFileName(f).name, sets: [], path: ['experiments'], setPaths: [], exists: true }));
  }
  if (!Array.isArray(value) || value.length === 0) {
    bad(['experiments'], expected, describeValue(value), typeof value === 'string' ? hints(didYouMean(value, ['all']), 'Write a list: [compute-resiliency.yaml].') : '');
    return [];
  }
  const out: Entry[] = [];
  const names = new Map<string, number>();
  value.forEach((item, i) => {
    const path: Segment[] = ['experiments', i];
    let written: unknown = item;
    let ownName: string | undefined;
    let ownDefects: (string | null)[] | undefined;
    if (item === 'all') {
      // every experiment of the folder, beside entries of the list's own (a long soak under its own name)
      for (const f of allExperiments(campaignFile, folder)) {
        const name = parseFileName(f).name;
        const earlier = names.get(folderName(name));
        if (earlier !== undefined) bad(path, "each experiment once (a run is keyed by the experiment's name)", `${describeValue(name)} again (first at experiments[${earlier}])`, 'Give the other entry a name: of its own.');
        else {
          names.set(folderName(name), i);
          out.push({ file: f, name, sets: [], path, setPaths: [], exists: true });
        }
      }
      return;
    }
    const sets: string[] = [];
    const setPaths: Segment[][] = [];
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const m = item as Record<string, unknown>;
      const entryKeys = ['file', 'set', 'name', 'defects'];
      for (const k of Object.keys(m)) {
        if (!entryKeys.includes(k)) bad([...path, k], `one of the known keys (${entryKeys.join(', ')})`, describeValue(k), hints(didYouMean(k, entryKeys), 'Remove it.'), 'key');
      }
      written = m.file;
      if (m.name !== undefined) {
        if (typeof m.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(m.name)) bad([...path, 'name'], 'a name for this entry of letters, digits, . _ - (it names its runs\' folders)', describeValue(m.name), 'e.g. name: live-migration-soak-20000');
        else ownName = m.name;
      }
      if (m.defects !== undefined) ownDefects = readDefects(m.defects, bad, [...path, 'defects']);
      if (m.set !== undefined) {
        const list = Array.isArray(m.set) ? m.set : [m.set];
        list.forEach((s, j) => {
          const at = Array.isArray(m.set) ? [...path, 'set', j] : [...path, 'set'];
          const problem = setProblem(s);
          if (problem) bad(at, 'path=value, e.g. iterations=2000 or settings.ResiliencyDefaultPeriod=60', describeValue(s), problem);
          else {
            sets.push(String(s));
            setPaths.push(at);
          }
        });
      }
      if (written === undefined) {
        bad(path, 'the experiment file under "file:"', describeValue(item), 'Add file: <experiment>.yaml.');
        return;
      }
      path.push('file');
    }
    if (typeof written !== 'string' || written.trim() === '') {
      bad(path, 'an experiment file (a path relative to the experiments folder)', describeValue(written));
      return;
    }
    const file = isAbsolute(written) ? written : join(folder, written);
    const exists = isFile(file);
    if (!exists) {
      const known = yamlFiles(folder);
      bad(path, `an experiment file in ${folder}`, `no such file: ${file}`, hints(didYouMean(basename(written), known), `Paths are relative to ${folder} ('clusterchaos list experiments' shows the catalogue).`));
    }
    const name = ownName ?? parseFileName(file).name;
    const earlier = names.get(folderName(name));
    if (earlier !== undefined) {
      bad(path, 'each experiment once (a run is keyed by the experiment\'s name)', `${describeValue(name)} again (first at experiments[${earlier}])`, 'Run one experiment with several values through grid: instead, or give this entry a name: of its own.');
      return;
    }
    names.set(folderName(name), i);
    out.push({ file, name, sets, path, setPaths, exists, ...(ownDefects ? { defects: ownDefects } : {}) });
  });
  return out;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Why `s` is not a `path=value` the experiment loader can take, or ''. */
function setProblem(s: unknown): string {
  if (typeof s !== 'string') return 'Quote it as text: "path=value".';
  const eq = s.indexOf('=');
  if (eq < 0) return 'Write the path, "=", then the value.';
  if (!parsePath(s.slice(0, eq).trim())) return 'The path is dotted, with list indices: cluster.vms[0].memoryGB.';
  return '';
}

/** A problem with the seeds; `index`: the item of a list it is about. */
type Report = (expected: string, found: string, hint: string, index?: number) => void;

const RANGE = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/;

function readSeeds(value: unknown, report: Report): number[] {
  const expected = `a range from..to (e.g. 1..5), a list of seeds ([1, 7, 9]) or one seed; each an integer from 0 to ${MAX_SEED}`;
  if (typeof value === 'number') return checkSeedList([value], (expected, found, hint) => report(expected, found, hint));
  if (Array.isArray(value)) return checkSeedList(value, report);
  if (typeof value === 'string') {
    const m = RANGE.exec(value);
    if (!m) {
      report(expected, describeValue(value), /^\s*\d+\s*-\s*\d+\s*$/.test(value) ? `Write it with two dots: ${value.replace(/\s*-\s*/, '..')}.` : '');
      return [];
    }
    const [from, to] = [Number(m[1]), Number(m[2])];
    if (from > to) {
      report(`a range from..to with from ≤ to`, describeValue(value), `Write ${to}..${from}.`);
      return [];
    }
    if (to > MAX_SEED) {
      report(expected, describeValue(value), '');
      return [];
    }
    // refused before it is built: 0..4294967295 would not fit in memory
    if (to - from + 1 > MAX_CAMPAIGN_RUNS) {
      report(`a range of at most ${MAX_CAMPAIGN_RUNS.toLocaleString('en-US')} seeds (a campaign's most runs)`, describeValue(value), 'Split it into several campaigns.');
      return [];
    }
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  report(expected, describeValue(value), '');
  return [];
}

function checkSeedList(list: readonly unknown[], report: Report): number[] {
  if (list.length === 0) {
    report('at least one seed', 'an empty list', 'Leave seeds out to run each experiment with its own seed.');
    return [];
  }
  const seen = new Set<number>();
  const out: number[] = [];
  list.forEach((s, i) => {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > MAX_SEED) {
      report(`a seed: an integer from 0 to ${MAX_SEED}`, describeValue(s), '', i);
      return;
    }
    if (seen.has(s)) {
      report('each seed once', `${s} again`, 'Remove the repeated seed.', i);
      return;
    }
    seen.add(s);
    out.push(s);
  });
  return out;
}

function readDefects(value: unknown, bad: Bad, at: Segment[] = ['defects']): (string | null)[] {
  const names = simDefects.map((d) => d.name);
  if (value === undefined || value === 'none') return [null];
  if (value === 'all') return [null, ...names];
  const expected = "none, all (every simulator defect profile) or a list of defect profiles ('clusterchaos list defects')";
  if (!Array.isArray(value) || value.length === 0) {
    bad(at, expected, describeValue(value), typeof value === 'string' ? hints(didYouMean(value, [...names, 'none', 'all']), names.includes(value) ? `Write a list: [${value}].` : '') : '');
    return [null];
  }
  const out: (string | null)[] = [null];
  value.forEach((d, i) => {
    if (typeof d !== 'string' || !names.includes(d)) {
      bad([...at, i], "a simulator defect profile ('clusterchaos list defects')", describeValue(d), hints(didYouMean(d, names), d === 'none' ? 'The run without defects comes with every list; remove "none".' : ''));
    } else if (out.includes(d)) {
      bad([...at, i], 'each defect once', `${describeValue(d)} again`, 'Remove the repeated defect.');
    } else out.push(d);
  });
  return out;
}

function readGrid(value: unknown, bad: Bad): GridAxis[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    bad(['grid'], 'a mapping of --set paths to the values each takes, e.g. settings.ResiliencyDefaultPeriod: [30, 60, 120]', describeValue(value));
    return [];
  }
  const axes: GridAxis[] = [];
  for (const [path, values] of Object.entries(value as Record<string, unknown>)) {
    const parsed = parsePath(path);
    if (!parsed) {
      bad(['grid', path], 'a --set path such as settings.ResiliencyDefaultPeriod or method[0].holdDown', describeValue(path), '', 'key');
      continue;
    }
    if (parsed[0] === 'seed' && parsed.length === 1) {
      bad(['grid', path], 'a --set path other than seed', '"seed"', 'Give the seeds under seeds: (a range 1..5 or a list).', 'key');
      continue;
    }
    const list = Array.isArray(values) ? values : undefined;
    if (!list || list.length === 0) {
      bad(['grid', path], 'a list of the values this path takes, e.g. [30, 60, 120]', describeValue(values), Array.isArray(values) ? '' : `Write [${describeValue(values).replace(/^"|"$/g, '')}].`);
      continue;
    }
    const texts: string[] = [];
    const safe = new Map<string, number>();
    list.forEach((v, i) => {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        bad(['grid', path, i], 'a value: a number, text or true/false', describeValue(v), 'A list or mapping as a value: write it in quotes as --set would take it ("[5s, 20s]").');
        return;
      }
      const text = String(v);
      const earlier = safe.get(folderName(text));
      if (earlier !== undefined) {
        bad(['grid', path, i], 'each value once (a cell names its run folder)', `${describeValue(v)}${String(list[earlier]) === text ? ' again' : `, the same folder name as ${describeValue(list[earlier])}`}`, 'Remove the repeated value.');
        return;
      }
      safe.set(folderName(text), i);
      texts.push(text);
    });
    if (texts.length === list.length) axes.push({ path, values: texts });
  }
  return axes;
}

function readTargets(value: unknown, bad: Bad): RunTarget[] {
  if (value === undefined) return [{ kind: 'sim' }];
  const expected = 'a list of targets, each sim or {cluster: NAME} (a real cluster through the PowerShell target; add rehearse: true for the rehearsal lab)';
  const list = Array.isArray(value) ? value : [value];
  const path = (i: number): Segment[] => (Array.isArray(value) ? ['targets', i] : ['targets']);
  if (list.length === 0) {
    bad(['targets'], expected, 'an empty list', 'Leave targets out to run on the simulator.');
    return [{ kind: 'sim' }];
  }
  const out: RunTarget[] = [];
  list.forEach((t, i) => {
    let target: RunTarget | undefined;
    if (t === 'sim') target = { kind: 'sim' };
    else if (t !== null && typeof t === 'object' && !Array.isArray(t)) {
      const m = t as Record<string, unknown>;
      for (const k of Object.keys(m)) {
        if (k !== 'cluster' && k !== 'rehearse') bad([...path(i), k], 'one of the known keys (cluster, rehearse)', describeValue(k), hints(didYouMean(k, ['cluster', 'rehearse']), 'Remove it.'), 'key');
      }
      if (typeof m.cluster !== 'string' || m.cluster.trim() === '') {
        bad(m.cluster === undefined ? path(i) : [...path(i), 'cluster'], "the cluster's name (as Get-Cluster gives it)", m.cluster === undefined ? 'no cluster' : describeValue(m.cluster), 'Write {cluster: HV-LAB-A}.');
        return;
      }
      if (m.rehearse !== undefined && typeof m.rehearse !== 'boolean') {
        bad([...path(i), 'rehearse'], 'true or false', describeValue(m.rehearse));
        return;
      }
      target = { kind: 'powershell', cluster: m.cluster, ...(m.rehearse === true ? { rehearse: true } : {}) };
    } else {
      const mistyped = didYouMean(t, ['sim']);
      bad(path(i), expected, describeValue(t), mistyped || (typeof t === 'string' ? `A cluster is written {cluster: ${t}}.` : ''));
      return;
    }
    const earlier = out.findIndex((o) => folderName(targetKey(o)) === folderName(targetKey(target)));
    if (earlier >= 0) {
      const what = target.kind === 'sim' ? 'sim' : `${target.rehearse ? 'a rehearsal of ' : ''}the cluster ${describeValue(target.cluster)}`;
      bad(path(i), 'each target once (cluster names compare without case, as in Windows)', `${what} again (first at targets[${earlier}])`, 'Remove the repeated target.');
      return;
    }
    out.push(target);
  });
  return out.length > 0 ? out : [{ kind: 'sim' }];
}

function readChoice<T extends string>(value: unknown, key: string, choices: readonly T[], fallback: T, bad: Bad): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  bad([key], `one of ${choices.join(', ')}`, describeValue(value), didYouMean(value, choices));
  return fallback;
}

// ── each experiment against the campaign ─────────────────────────────────────────────────────────────

/**
 * Load each experiment as its runs will: with its own `set:` values and grid values, each grid value once
 * (cell i takes each axis's i-th value, or its last), so a path or value the experiment refuses is reported at
 * the campaign's line with the experiment's own words. A real cluster target must be the experiment's cluster.
 */
function checkExperiments(entries: Entry[], grid: GridAxis[], targets: RunTarget[], source: ExperimentSource): Problem[] {
  const out = new Map<string, Problem>();
  const add = (p: Problem): void => {
    const k = JSON.stringify([p.line, p.column, p.path, p.expected, p.found]);
    if (!out.has(k)) out.set(k, p);
  };
  const locate = (path: Segment[]): { line?: number; column?: number } => source.locate(path) ?? {};
  const depth = Math.max(1, ...grid.map((a) => a.values.length));
  for (const e of entries) {
    if (!e.exists) continue;
    for (let i = 0; i < depth; i++) {
      // each --set the run will be given, and where the campaign writes it
      const written = new Map<string, Segment[]>();
      e.sets.forEach((s, j) => written.set(`--set ${s}`, e.setPaths[j]!));
      const cell = grid.map((a) => {
        const j = Math.min(i, a.values.length - 1);
        written.set(`--set ${a.path}=${a.values[j]}`, ['grid', a.path, j]);
        return `${a.path}=${a.values[j]}`;
      });
      const sets = [...e.sets, ...cell];
      const fromExperiment = (p: Problem): Problem => {
        const path = (p.flag !== undefined ? written.get(p.flag) : undefined) ?? e.path;
        const where = `${p.file}${p.line !== undefined ? `:${p.line}` : ''}${p.path ? ` at ${p.path}` : ''}${p.flag ? ` with ${p.flag}` : ''}`;
        return { file: source.file, ...locate(path), path: pathText(path), expected: p.expected, found: p.found, hint: hints(p.hint, `(the experiment ${where})`) };
      };
      try {
        const experiment = loadExperiment(e.file, { sets, settings: settingDefinitions, faults });
        ownSeeds.set(seedKey(e.file, e.sets), experiment.seed);
        for (const p of blastRadiusProblems(experiment, faults)) add(fromExperiment(p));
        targets.forEach((t, ti) => {
          // compared without case, as Windows names a cluster (and as real-run.ts does)
          if (t.kind === 'powershell' && experiment.cluster.name.toLowerCase() !== t.cluster.toLowerCase()) {
            add({
              file: source.file,
              ...locate(e.path),
              path: pathText(e.path),
              expected: `an experiment of the cluster ${t.cluster} (targets[${ti}]): a run on a real cluster needs its nodes and VMs described`,
              found: `${e.file}, of the cluster ${experiment.cluster.name}`,
              hint: `Write cluster.name: ${t.cluster} and its nodes and VMs in an experiment of its own (or add set: [cluster.name=${t.cluster}] when the nodes and VMs are the same).`,
            });
          }
        });
      } catch (err) {
        if (!(err instanceof ExperimentError)) throw err;
        for (const p of err.problems) add(fromExperiment(p));
      }
    }
  }
  return [...out.values()];
}

// ── keys ─────────────────────────────────────────────────────────────────────────────────────────────

/** One part of a run's key as a folder name: letters, digits and . _ = , + - only; never `.` or `..`; at most 100 characters. */
function safeSegment(text: string): string {
  let s = text.replace(/[^A-Za-z0-9._=,+-]/g, '_');
  if (/^\.*$/.test(s)) s = s.replace(/\./g, '_') || '_';
  if (s.length > 100) s = `${s.slice(0, 87)}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
  return s;
}

/** A folder's name as Windows and macOS compare them: without case. Two runs' folders must differ so. */
function folderName(text: string): string {
  return safeSegment(text).toLowerCase();
}

function targetKey(t: RunTarget): string {
  return t.kind === 'sim' ? 'sim' : `${t.rehearse ? 'rehearse' : 'cluster'}-${safeSegment(t.cluster)}`;
}

interface Cell {
  key: string;
  values: Record<string, string>;
  sets: string[];
}

/** The grid's cells, the first axis slowest; each named by its values (`ResiliencyDefaultPeriod=30,holdDown=5s`), `default` without a grid. */
function gridCells(grid: readonly GridAxis[]): Cell[] {
  // an axis is named by its path's last name, or its whole path when two axes end alike
  const last = grid.map((a) => {
    const names = (parsePath(a.path) ?? [a.path]).filter((s) => typeof s === 'string');
    return String(names[names.length - 1] ?? a.path);
  });
  const names = grid.map((a, i) => (last.filter((n) => n === last[i]).length > 1 ? a.path : last[i]!));
  let cells: { values: Record<string, string>; parts: string[] }[] = [{ values: {}, parts: [] }];
  grid.forEach((a, i) => {
    cells = cells.flatMap((c) => a.values.map((v) => ({ values: { ...c.values, [a.path]: v }, parts: [...c.parts, `${names[i]}=${v}`] })));
  });
  return cells.map((c) => ({
    key: c.parts.length === 0 ? 'default' : safeSegment(c.parts.join(',')),
    values: c.values,
    sets: Object.entries(c.values).map(([p, v]) => `${p}=${v}`),
  }));
}

/** The experiment's own seed: found when the campaign was loaded, or read again. */
function ownSeed(c: Campaign, e: CampaignExperiment): number {
  const known = ownSeeds.get(seedKey(e.file, e.sets));
  if (known !== undefined) return known;
  try {
    const seed = loadExperiment(e.file, { sets: e.sets, settings: settingDefinitions, faults }).seed;
    ownSeeds.set(seedKey(e.file, e.sets), seed);
    return seed;
  } catch (err) {
    if (!(err instanceof ExperimentError)) throw err;
    throw new CampaignError([{ file: c.file, path: 'experiments', expected: `${e.file} to load (for its seed)`, found: err.message.split('\n')[0]!, hint: 'Fix the experiment, or give the seeds in the campaign.' }]);
  }
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}

/** The campaign's text: UTF-8 with or without a byte-order mark, refused past MAX_CAMPAIGN_BYTES before it is all read. */
function readCampaignFile(file: string): string {
  const refuse = (found: string, hint = ''): CampaignError => new CampaignError([{ file, path: '', expected: 'a readable campaign file (YAML)', found, hint }]);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw refuse(
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'a file this user may not read' : `a file that cannot be read (${(e as Error).message})`,
      code === 'ENOENT' ? 'Check the path; the catalogue\'s campaigns are in experiments/campaigns/.' : '',
    );
  }
  try {
    if (fstatSync(fd).isDirectory()) throw refuse('a directory');
    const buffer = Buffer.alloc(MAX_CAMPAIGN_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > MAX_CAMPAIGN_BYTES) throw refuse(`more than ${bytesText(MAX_CAMPAIGN_BYTES)}`, 'Check the path: this is not a campaign.');
    const bytes = buffer.subarray(0, length);
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
    return bytes.toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
}
