/**
 * Loading an experiment: read the YAML keeping every value's position, apply `--set` and `--seed`, validate
 * against the schema built from the catalogues plus the checks a schema cannot make, and either return the
 * `Experiment` with its defaults filled in or throw one `ExperimentError` listing every problem.
 */
import { readFileSync } from 'node:fs';
import { parse as parsePath } from 'node:path';
import { faults as faultCatalogue } from '../faults/catalogue.js';
import { buildExperiment } from './build.js';
import type { FaultCatalogue, SettingsCatalogueEntry } from './catalogues.js';
import { ExperimentError, sortProblems, type Problem } from './errors.js';
import type { Finding } from './finding.js';
import { applySets, overrideFor, type Override } from './overrides.js';
import { pathText } from './path.js';
import { findingsFromAjv } from './problems.js';
import { semanticFindings } from './semantic.js';
import { ExperimentSource } from './source.js';
import type { Experiment } from './types.js';
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

  const problems: Problem[] = [...source.duplicateKeyProblems(), ...applied.problems];
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

  const validate = experimentValidator(options.settings, faults);
  const findings = validate(data) ? [] : findingsFromAjv(validate.errors ?? [], data);
  const reported = new Set(findings.map((f) => pathText(f.path)));
  findings.push(...semanticFindings(data, faults).filter((f) => !reported.has(pathText(f.path))));
  problems.push(...findings.map((f) => place(f, source, overrides)));
  if (problems.length > 0) throw new ExperimentError(sortProblems(problems, flags));

  const stepLines = Array.isArray((data as { method?: unknown }).method)
    ? (data as { method: unknown[] }).method.map((_, i) => source.lineOf(['method', i]))
    : [];
  return buildExperiment(data, { file, name: parsePath(file).name, stepLines }, faults);
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
  try {
    const bytes = readFileSync(file);
    if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
    return bytes.toString('utf8').replace(/^\uFEFF/, '');
  } catch (e) {
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
}
