import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { ROOT } from './helpers/cli.js';

/** What each folder may import (DESIGN.md, "The pieces"): one direction, no back-edges. */
const allowed: Record<string, string[]> = {
  'machines': [],
  'src/trace': [],
  'src/targets': ['src/trace'],
  'src/targets/sim': ['src/trace', 'src/targets'],
  // the rehearsal lab serves the simulated cluster to the stand-in commands
  'src/targets/powershell/rehearsal': ['src/trace', 'src/targets', 'src/targets/sim'],
  'src/faults': ['src/targets', 'src/trace'],
  'src/experiment': ['src/faults', 'src/trace'],
  'src/engine': ['src/experiment', 'src/targets', 'src/faults', 'src/trace'],
  'src/safety': ['src/experiment', 'src/faults', 'src/targets', 'src/trace'],
  'src/check': ['machines', 'src/trace'],
  // the report draws the models (their states and transitions), marks settings that differ from their documented
  // defaults and resolves source keys: all of it data the models own
  'src/report': ['src/trace', 'src/check', 'machines'],
  // the chai plugin and mocha helpers (DESIGN.md: engine, check); the runners they take live in src/run
  'src/testing': ['src/engine', 'src/check', 'src/trace'],
  'src/acceptance': ['src/engine', 'src/check', 'src/experiment', 'src/faults', 'src/targets', 'src/trace', 'src/testing'],
  // one whole run as a function (DESIGN.md's src/run): the CLI, src/testing's runners, accept and campaign workers call it
  'src/run': ['machines', 'src/check', 'src/engine', 'src/experiment', 'src/faults', 'src/report', 'src/safety', 'src/targets', 'src/targets/sim', 'src/trace', 'src/testing'],
  // campaigns expand a matrix into runs and run each through src/run (loading, guarding and judging as run does)
  'src/campaign': ['machines', 'src/run', 'src/report', 'src/check', 'src/experiment', 'src/faults', 'src/safety', 'src/targets', 'src/targets/sim', 'src/trace'],
  'src/cli': ['*'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function ownerOf(file: string): string {
  const rel = relative(ROOT, file);
  return Object.keys(allowed)
    .filter((k) => rel.startsWith(k + '/'))
    .sort((a, b) => b.length - a.length)[0]!;
}

describe('architecture', () => {
  for (const folder of Object.keys(allowed).filter((f) => f !== 'src/cli')) {
    it(`${folder} imports only what DESIGN.md allows`, () => {
      const offending: string[] = [];
      for (const file of files(join(ROOT, folder))) {
        if (ownerOf(file) !== folder) continue;
        const source = readFileSync(file, 'utf8');
        for (const m of source.matchAll(/^(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
          const target = relative(ROOT, resolve(dirname(file), m[1]!));
          const targetOwner = ownerOf(join(ROOT, target));
          if (targetOwner === folder) continue;
          if (!allowed[folder]!.includes(targetOwner)) offending.push(`${relative(ROOT, file)} → ${target}`);
        }
      }
      expect(offending).to.deep.equal([]);
    });
  }

  it('keeps the models pure: machines/ imports nothing but xstate', () => {
    for (const file of files(join(ROOT, 'machines'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/from\s+['"]([^.'"][^'"]*)['"]/g)) expect(m[1], file).to.equal('xstate');
    }
  });
});
