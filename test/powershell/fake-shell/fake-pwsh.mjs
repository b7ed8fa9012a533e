#!/usr/bin/env node
// A tiny stand-in for pwsh that speaks node-powershell's framing (toolchain-notes §4) and answers every
// command from a rule table, for the session and target tests. It runs nothing.
//
// FAKE_SHELL_RULES: path of a JSON file with [{ match, stdout?, stderr?, delayMs?, waitFor?, touch?, exit? }];
//   read again for every command; the first rule whose `match` (a regular expression) finds something in the command answers it: it
//   waits delayMs, or with waitFor (a file path) until that file exists (at most delayMs), creates the file
//   `touch` if given, then exits with `exit` or writes stdout / stderr. No rule: empty output.
//   In stdout/stderr, {{pid}} becomes this process's id.
// FAKE_SHELL_LOG: path of a file this fake appends one JSON line to per start ({pid, start, env}) and per
//   command ({pid, command}).
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const rules = () => (process.env.FAKE_SHELL_RULES ? JSON.parse(readFileSync(process.env.FAKE_SHELL_RULES, 'utf8')) : []);
const logFile = process.env.FAKE_SHELL_LOG;
const record = (entry) => {
  if (logFile) appendFileSync(logFile, JSON.stringify({ pid: process.pid, ...entry }) + '\n');
};
record({
  start: true,
  argv: process.argv.slice(2),
  env: {
    username: process.env.CLUSTERCHAOS_SESSION_USERNAME ?? null,
    secret: process.env.CLUSTERCHAOS_SESSION_SECRET ?? null,
    inheritedPassword: process.env.CLUSTERCHAOS_PASSWORD ?? null,
  },
});

const write = (stream, text) => new Promise((resolve) => (text ? stream.write(text, () => resolve()) : resolve()));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fill = (text) => text.replaceAll('{{pid}}', String(process.pid));

async function run(command) {
  record({ command });
  const rule = rules().find((r) => new RegExp(r.match).test(command) && !(r.unless && existsSync(r.unless)));
  if (!rule) return;
  if (rule.waitFor) {
    const until = Date.now() + (rule.delayMs ?? 60_000);
    while (!existsSync(rule.waitFor) && Date.now() < until) await sleep(20);
  } else if (rule.delayMs) await sleep(rule.delayMs);
  if (rule.touch) writeFileSync(rule.touch, '');
  if (rule.exit !== undefined) process.exit(rule.exit);
  if (rule.stdout) await write(process.stdout, fill(rule.stdout) + '\n');
  if (rule.stderr) await write(process.stderr, fill(rule.stderr) + '\n');
}

const MARK = /^\[Console\]::(Out|Error)\.WriteLine\("([0-9A-Za-z]{16})"\)$/;
let open = null;
let body = [];
for await (const raw of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  const line = raw.replace(/\r$/, '');
  const m = MARK.exec(line);
  if (m) {
    const [, which, d] = m;
    if (open === null && which === 'Error') {
      open = d;
      body = [];
    } else if (open === d && which === 'Error' && body) {
      await run(body.join('\n'));
      body = null;
    } else if (open === d && which === 'Out' && !body) open = null;
    await write(which === 'Out' ? process.stdout : process.stderr, d + '\n');
    continue;
  }
  if (open !== null && body) body.push(line);
}
