#!/usr/bin/env node
// clusterchaos runs from its TypeScript sources through tsx: no build step between `npm ci` and a run.
import { register } from 'tsx/esm/api';

// `clusterchaos … | head`, or a terminal closed under it (EIO after SIGHUP): once the reader is gone, what is left
// to print is dropped; a run in progress still finishes, reverts its faults and writes its reports. Any other
// failure to write stdout (`>/dev/full`, a full disk) is clusterchaos failing to deliver its verdict: said on
// stderr at the end, exit 4.
let stdoutFailed;
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE' && e.code !== 'EIO' && e.code !== 'ERR_STREAM_DESTROYED') stdoutFailed ??= e;
});
process.stderr.on('error', () => {
  // nowhere left to say anything
});

register();
const { stopEveryRun } = await import('../src/cli/interrupt.ts');

/**
 * A failure outside any command's own handling (an exception thrown by a timer): one clear line, exit 4, never a
 * stack trace and never 1. A run in progress is first stopped as by a stop signal, so its reverts still run.
 */
let crashedWith;
function crashed(e) {
  try {
    process.stderr.write(`clusterchaos itself failed: ${e?.message ?? e} (a bug in clusterchaos, not a finding about the cluster)\n`);
    if (process.env.CLUSTERCHAOS_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
  } catch {
    // nowhere to say it
  }
  crashedWith ??= e;
  if (!stopEveryRun(`an internal error: ${e?.message ?? e}`)) process.exit(4);
}
process.on('uncaughtException', crashed);
process.on('unhandledRejection', crashed);

const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = crashedWith === undefined ? code : 4;
// a failed write to stdout is reported as an 'error' event a tick later
await new Promise((resolve) => setImmediate(resolve));
if (stdoutFailed) {
  process.stderr.write(
    `clusterchaos itself failed: cannot write to standard output (${stdoutFailed.code ?? stdoutFailed.message}); the verdict above may be lost` +
      ` (it would have exited ${code}). The results, if the run wrote any, are in its folder.\n`,
  );
  process.exitCode = 4;
}
