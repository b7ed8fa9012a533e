// An exception nobody catches, thrown from a timer in the middle of a run, for the tests of how runs end:
// `node --import ./test/helpers/throw-from-timer.mjs bin/clusterchaos.js run …` with THROW_TRACE=<trace.ndjson>
// throws once that trace has THROW_AFTER_CHECKPOINTS (default 5) checkpoints.
import { readFileSync } from 'node:fs';

const after = Number(process.env.THROW_AFTER_CHECKPOINTS ?? 5);
const timer = setInterval(() => {
  let n = 0;
  try {
    n = (readFileSync(process.env.THROW_TRACE, 'utf8').match(/"type":"checkpoint"/g) ?? []).length;
  } catch {
    // not written yet
  }
  if (n >= after) {
    clearInterval(timer);
    throw new Error('thrown from a timer by the test');
  }
}, 20);
timer.unref();
