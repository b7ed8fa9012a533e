import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { settingDefinitions } from '../../machines/settings.js';
import { ExperimentError, loadExperiment, type LoadOptions } from '../../src/experiment/load.js';
import type { Experiment } from '../../src/experiment/types.js';

/** A fixture's path as a user would type it from the repository root. */
export function fixture(name: string): string {
  return relative(process.cwd(), fileURLToPath(new URL(`../fixtures/experiments/${name}`, import.meta.url)));
}

export function shipped(name: string): string {
  return relative(process.cwd(), fileURLToPath(new URL(`../../experiments/${name}`, import.meta.url)));
}

export function load(file: string, options: Partial<LoadOptions> = {}): Experiment {
  return loadExperiment(file, { settings: settingDefinitions, ...options });
}

/** The lines of the ExperimentError that loading throws: what the user reads. */
export function errorLines(file: string, options: Partial<LoadOptions> = {}): string[] {
  try {
    load(file, options);
  } catch (e) {
    expect(e).to.be.instanceOf(ExperimentError);
    return (e as ExperimentError).message.split('\n');
  }
  expect.fail(`expected ${file} to be refused`);
}

export function thrown(file: string, options: Partial<LoadOptions> = {}): ExperimentError {
  try {
    load(file, options);
  } catch (e) {
    expect(e).to.be.instanceOf(ExperimentError);
    return e as ExperimentError;
  }
  expect.fail(`expected ${file} to be refused`);
}

let written = 0;
const scratch = mkdtempSync(join(tmpdir(), 'clusterchaos-experiment-'));

/** An experiment file with this text, for tests that read their YAML next to the lines it produces. */
export function experimentFile(yaml: string): string {
  const file = join(scratch, `e${++written}.yaml`);
  writeFileSync(file, yaml);
  return file;
}
