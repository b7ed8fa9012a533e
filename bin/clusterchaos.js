#!/usr/bin/env node
// clusterchaos runs from its TypeScript sources through tsx: no build step between `npm ci` and a run.
import { register } from 'tsx/esm/api';

// `clusterchaos … | head`: once the reader is gone, what is left to print is dropped; a run in progress still
// finishes, reverts its faults and writes its reports.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
});

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
