import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { testTools } from './pwsh.js';

/**
 * The headless browser the report tests drive: the one `npm test`'s pretest found or installed
 * (scripts/ensure-test-tools.mjs: CLUSTERCHAOS_BROWSER, else Chromium, Chrome or Edge, else Debian's chromium),
 * recorded in .cache/test-tools.json; `chromium` on PATH when mocha runs without the pretest.
 */
export function browser(): string {
  return process.env.CLUSTERCHAOS_BROWSER ?? testTools().chromium?.path ?? 'chromium';
}

/**
 * The browser, headless, on `args` (a page's address with --dump-dom, --screenshot=…): its output, after asserting it
 * exited 0 (its stderr in the message when not).
 */
export function headless(args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(browser(), ['--headless', '--disable-gpu', '--no-sandbox', '--window-size=1400,1000', ...args], {
    encoding: 'utf8',
    timeout: 90_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  expect(r.status, `${browser()} ${args.join(' ')} exited ${r.status}: ${r.stderr}`).to.equal(0);
  return { stdout: r.stdout, stderr: r.stderr };
}
