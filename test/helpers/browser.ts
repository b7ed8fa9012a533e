import { testTools } from './pwsh.js';

/**
 * The headless browser the report tests drive: the one `npm test`'s pretest found or installed
 * (scripts/ensure-test-tools.mjs: CLUSTERCHAOS_BROWSER, else Chromium, Chrome or Edge, else Debian's chromium),
 * recorded in .cache/test-tools.json; `chromium` on PATH when mocha runs without the pretest.
 */
export function browser(): string {
  return process.env.CLUSTERCHAOS_BROWSER ?? testTools().chromium?.path ?? 'chromium';
}
