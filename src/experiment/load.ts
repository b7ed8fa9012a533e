/**
 * Loading an experiment: read the YAML keeping every value's position, apply `--set` and `--seed`, validate
 * against the schema built from the catalogues plus the checks a schema cannot make, and either return the
 * `Experiment` with its defaults filled in or throw one `ExperimentError` listing every problem.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parse as parsePath } from 'node:path';
import { faults as faultCatalogue } from '../faults/catalogue.js';
import { buildExperiment } from './build.js';
import type { FaultCatalogue, SettingsCatalogueEntry } from './catalogues.js';
import { tryParseDuration } from './duration.js';
import { ExperimentError, sortProblems, type Problem } from './errors.js';
import type { Finding } from './finding.js';
import { bytesText, MAX_EXPERIMENT_BYTES } from './limits.js';
import { applySets, overrideFor, type Override } from './overrides.js';
import { pathText, type Segment } from './path.js';
import { findingsFromAjv } from './problems.js';
import { semanticFindings } from './semantic.js';
import { vmVersionFindings } from './host-version.js';
import { settingsAsNumbers, settingValueFindings } from './setting-values.js';
import { ExperimentSource } from './source.js';
import { describeRefused, refusedCharacter, textFindings } from './text.js';
import type { Experiment, Written } from './types.js';
import { experimentValidator } from './validator.js';

// the loader's whole API from one module, as the CLI imports it
export { ExperimentError, type Problem } from './errors.js';
export { listExperiments, type ExperimentListing } from './list.js';
export { parseDuration } from './duration.js';
export type { SettingsCatalogueEntry } from './catalogues.js';

export interface LoadOptions {
  /** `--set` values, each `dotted.path=value`: `settings.ResiliencyDefaultPeriod=60`, `cluster.vms[0].memoryGB=56`. */
  sets?: readonly string[];
  /** `--seed`: replaces the file's seed. */
  seed?: number;
  /** The settings catalogue (the CLI passes `settingDefinitions` from machines/settings.ts). */
  settings: readonly SettingsCatalogueEntry[];
  /** The fault catalogue; defaults to src/faults/catalogue.ts. */
  faults?: FaultCatalogue;
}

/** Read, override, validate and build an experiment. Throws `ExperimentError` (exit code 2) with every problem found. */
export function loadExperiment(file: string, options: LoadOptions): Experiment {
  const faults = options.faults ?? faultCatalogue;
  const source = new ExperimentSource(file, readExperimentFile(file));

  const flags = (options.sets ?? []).map((s) => `--set ${s}`);
  const syntax = source.syntaxProblems();
  const applied = applySets(source.doc, options.sets ?? [], file);
  if (syntax.length > 0) throw new ExperimentError(sortProblems([...syntax, ...applied.problems], flags));

  const problems: Problem[] = [...fileNameProblems(file), ...source.duplicateKeyProblems(), ...applied.problems];
  const overrides: Override[] = [...applied.overrides];
  let data: unknown;
  try {
    data = source.doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    problems.push({ file, path: '', expected: 'a YAML document that can be read as data', found: (e as Error).message, hint: '' });
    throw new ExperimentError(sortProblems(problems, flags));
  }
  if (options.seed !== undefined && data !== null && typeof data === 'object' && !Array.isArray(data)) {
    (data as Record<string, unknown>).seed = options.seed;
    overrides.push({ flag: `--seed ${options.seed}`, path: ['seed'] });
  }

  // a refused character is what to fix first: it stands in for what the schema says about the same value
  const findings = textFindings(data);
  const characters = new Set(findings.map((f) => pathText(f.path)));
  const validate = experimentValidator(options.settings, faults);
  if (!validate(data)) findings.push(...findingsFromAjv(validate.errors ?? [], data).filter((f) => !characters.has(pathText(f.path))));
  const reported = new Set(findings.map((f) => pathText(f.path)));
  findings.push(...semanticFindings(data, faults).filter((f) => !reported.has(pathText(f.path))));
  findings.push(...settingValueFindings(data, options.settings).filter((f) => !reported.has(pathText(f.path))));
  findings.push(...vmVersionFindings(data).filter((f) => !reported.has(pathText(f.path))));
  problems.push(...findings.map((f) => place(f, source, overrides)));
  if (problems.length > 0) throw new ExperimentError(sortProblems(problems, flags));
  settingsAsNumbers(data, options.settings);

  const stepLines = Array.isArray((data as { method?: unknown }).method)
    ? (data as { method: unknown[] }).method.map((_, i) => source.lineOf(['method', i]))
    : [];
  const at = planAt(data as Record<string, unknown>, source, overrides);
  return buildExperiment(data, { file, name: parsePath(file).name, stepLines, lineOf: (path) => source.lineOf(path), ...(at ? { planAt: at } : {}) }, faults);
}

/** The value that sets how long the run is: the soak's iterations or duration, else the longest wait (estimate.ts). */
function planAt(data: Record<string, unknown>, source: ExperimentSource, overrides: readonly Override[]): (Written & { path: string }) | undefined {
  const soakKey = ['iterations', 'duration'].find((k) => data[k] != null);
  if (soakKey !== undefined) return { path: soakKey, ...written([soakKey], source, overrides) };
  let longest: number | undefined;
  let longestMs = -1;
  (data.method as Record<string, unknown>[]).forEach((step, i) => {
    const ms = typeof step.wait === 'string' ? (tryParseDuration(step.wait) ?? -1) : -1;
    if (ms > longestMs) [longest, longestMs] = [i, ms];
  });
  return longest === undefined ? undefined : { path: `method[${longest}].wait`, ...written(['method', longest, 'wait'], source, overrides) };
}

/** Where the value at `path` came from: the flag that set it, or its line and column in the file. */
function written(path: Segment[], source: ExperimentSource, overrides: readonly Override[]): Written | undefined {
  const override = overrideFor(overrides, path);
  if (override) return { flag: override.flag };
  return source.locate(path);
}

/** The file's name is the experiment's: it names the run, its folder and its reports, so it is held to a name's rules. */
function fileNameProblems(file: string): Problem[] {
  const name = parsePath(file).name;
  const r = refusedCharacter(name);
  if (!r) return [];
  return [
    {
      file,
      path: '',
      expected: "a file name without control characters, bidirectional controls or invisible characters (it names the run and its reports)",
      found: `${describeRefused(r)} of the name ${JSON.stringify(name)}`,
      hint: 'Rename the file.',
    },
  ];
}

/** A finding at its place: the flag that set the value, or the line and column where the file wrote it. */
function place(f: Finding, source: ExperimentSource, overrides: readonly Override[]): Problem {
  const base = { file: source.file, path: pathText(f.path), expected: f.expected, found: f.found, hint: f.hint };
  const override = overrideFor(overrides, f.path);
  if (override) return { ...base, flag: override.flag };
  const pos = f.at === 'parent' ? source.locate(f.path.slice(0, -1)) : source.locate(f.path, f.at === 'key');
  return { ...base, ...(pos ? { line: pos.line, column: pos.column } : {}) };
}

/**
 * The file's text. UTF-8, with or without a byte-order mark, or UTF-16LE with one: what Windows PowerShell 5's
 * `Out-File` and `>` write by default, so an experiment saved from a cluster node still reads.
 */
function readExperimentFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readBounded(file, MAX_EXPERIMENT_BYTES);
  } catch (e) {
    if (e instanceof ExperimentError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const found =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'a directory'
          : code === 'EACCES' || code === 'EPERM'
            ? 'a file this user may not read'
            : `a file that cannot be read (${(e as Error).message})`;
    const hint = code === 'ENOENT' ? "Check the path; 'clusterchaos list experiments' shows the experiments that ship." : '';
    throw new ExperimentError([{ file, path: '', expected: 'a readable experiment file (YAML)', found, hint }]);
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * The file's bytes, refused past `limit` before they are all read: the size `stat` gives first, then the
 * bytes read, since a device (/dev/zero) or a pipe says 0 and may never end. At most limit + 1 bytes are read.
 */
function readBounded(file: string, limit: number): Buffer {
  const tooLarge = (found: string): ExperimentError =>
    new ExperimentError([
      {
        file,
        path: '',
        expected: `an experiment file of at most ${bytesText(limit)} (the largest shipped one is under 8 KB)`,
        found,
        hint: 'Check the path: this is not an experiment. Describe a large cluster in a shorter form (one VM a line, without comments).',
      },
    ]);
  const fd = openSync(file, 'r');
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('a directory'), { code: 'EISDIR' });
    if (stat.size > limit) throw tooLarge(`a file of ${bytesText(stat.size)}`);
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > limit) throw tooLarge(`more than ${bytesText(limit)}, and still going (a device or a file that grows?)`);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
