#!/usr/bin/env node
// clusterchaos runs the compiled JavaScript in dist/ (built by `npm ci` / `npm run build`, shipped in the package):
// no transpiler at run time. Stack traces of a bug point at the TypeScript sources through the source maps.
process.setSourceMapsEnabled(true);

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

/**
 * Loads a part of clusterchaos. A part that is not there (dist/ never built, a package of node_modules missing:
 * `npm ci --omit=dev` in a clone, a broken install) is clusterchaos failing, never the cluster: one line saying
 * what is missing and how to get it, exit 4.
 */
async function load(path) {
  try {
    return await import(path);
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
    const dist = new URL('../dist/', import.meta.url);
    const missingPackage = /Cannot find package '([^']+)'/.exec(e.message)?.[1];
    const what = missingPackage
      ? `the package '${missingPackage}' it needs is not installed (run \`npm ci\` in clusterchaos's folder, or reinstall clusterchaos)`
      : e.message.includes(dist.pathname) || e.url?.startsWith(dist.href)
        ? 'it is not built: dist/ is missing or incomplete (run `npm run build`, or `npm ci`, which builds it)'
        : e.message;
    process.stderr.write(`clusterchaos itself failed: ${what} (not a finding about the cluster)\n`);
    process.stdout.write('verdict: unknown — clusterchaos could not start, nothing was run\n');
    process.exit(4);
  }
}

const { stopEveryRun } = await load('../dist/src/cli/interrupt.js');

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

const { main } = await load('../dist/src/cli/main.js');
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
