/** `clusterchaos list`: loaded when it runs (main.ts). */
import { join } from 'node:path';
import { settingDefinitions } from '../../machines/index.js';
import { describeSetting, settingDefaultText } from '../experiment/catalogues.js';
import { listExperiments } from '../experiment/list.js';
import { faults } from '../faults/catalogue.js';
import { faultListing } from '../faults/describe.js';
import { simDefects } from '../targets/sim/defects.js';
import type { Io } from './main.js';
import { PACKAGE_ROOT } from './package-root.js';

export function list(what: string | undefined, io: Io): void {
  const sections = what ? [what] : ['experiments', 'faults', 'defects', 'settings'];
  for (const section of sections) {
    if (sections.length > 1) io.out(`${section}:`);
    const indent = sections.length > 1 ? '  ' : '';
    if (section === 'experiments') {
      for (const e of listExperiments(join(PACKAGE_ROOT, 'experiments'))) io.out(`${indent}${e.name.padEnd(28)} ${e.title}`);
    } else if (section === 'faults') {
      for (const f of faults.values()) for (const line of faultListing(f, indent)) io.out(line);
    } else if (section === 'defects') {
      for (const d of simDefects) io.out(`${indent}${d.name.padEnd(28)} ${d.summary}`);
    } else {
      for (const s of settingDefinitions) {
        io.out(`${indent}${s.name.padEnd(28)} default ${settingDefaultText(s)}  (${s.kind}) ${s.description}`);
        // what an experiment may write: the unit, a duration in it, the values' names
        io.out(`${indent}${''.padEnd(28)} takes ${describeSetting(s)}. Source: ${s.source}${s.conflict ? ` Conflict: ${s.conflict}` : ''}`);
      }
    }
  }
}
