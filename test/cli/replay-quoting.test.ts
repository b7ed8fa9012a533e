import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { currentShell, replayCommand, shellWords } from '../../src/run/replay.js';
import { pwsh, PWSH_ENV } from '../helpers/pwsh.js';

/**
 * A printed replay command is pasted into the shell the user is in. These run the printed lines through the real
 * shells available here, a POSIX sh and PowerShell 7, with a stand-in command that prints the arguments it was
 * given, and require the very words back. cmd is not on this machine: its quoting is checked against the C
 * runtime's rules (which Node follows on Windows) by example.
 */
const words = fc.array(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => !/[\u0000-\u001f\u007f\u2028\u2029]/.test(s)),
  { minLength: 1, maxLength: 4 },
);
const EXAMPLES = [
  ['run', 'C:\\Lab Experiments\\kill N2.yaml', '--seed', '7'],
  ['--set', 'cluster.vms[0].memoryGB=56', '--set', "settings.note=Bob's VM"],
  // PowerShell ends a single-quoted string at a typographic single quote too (a fast-check sample found it)
  ['Bob\u2019s VM', '\u2018x\u201By\u201A'],
  ['--set', 'a=$env:PATH', '@args', 'x,y', '`n', '(1)', '#comment', '{a}', '-weird', ';', '"quoted"'],
];

describe('replay commands are quoted for the shell the user is in', () => {
  let bin: string;
  const env = () => ({ ...process.env, ...PWSH_ENV, PATH: `${bin}${delimiter}${process.env.PATH}` });
  before(() => {
    bin = mkdtempSync(join(tmpdir(), 'clusterchaos-argv-'));
    // argv-echo: a native command on PATH, as npx is, printing the arguments it receives, each ended by a unit
    // separator (a character the words never hold), one line per call
    writeFileSync(join(bin, 'argv-echo'), "#!/bin/sh\nprintf '%s\\037' \"$@\"\nprintf '\\n'\n");
    chmodSync(join(bin, 'argv-echo'), 0o755);
  });
  after(() => rmSync(bin, { recursive: true, force: true }));

  /** Each line through `shell`, back as the arguments argv-echo received. */
  function throughShell(shell: 'posix' | 'powershell', lines: string[]): string[][] {
    const script = join(bin, shell === 'posix' ? 'lines.sh' : 'lines.ps1');
    writeFileSync(script, lines.map((l) => `${l}\n`).join(''));
    const r = shell === 'posix' ? spawnSync('sh', [script], { encoding: 'utf8', env: env() }) : spawnSync(pwsh(), ['-NoProfile', '-NonInteractive', '-File', script], { encoding: 'utf8', env: env() });
    expect(r.status, r.stderr).to.equal(0);
    return r.stdout.slice(0, -1).split('\n').map((l) => l.split('\u001f').slice(0, -1));
  }

  for (const shell of ['posix', 'powershell'] as const) {
    it(`${shell}: any words come back as they were (the examples, then generated words)`, function () {
      this.timeout(120_000);
      const cases = [...EXAMPLES, ...fc.sample(words, 300)];
      const back = throughShell(shell, cases.map((w) => shellWords(['argv-echo', ...w], shell)));
      back.forEach((got, i) => expect(got, shellWords(cases[i]!, shell)).to.deep.equal(cases[i]));
    });
  }

  it('cmd: a word with a space, a quote or a backslash before a quote, in double quotes as the C runtime reads them', () => {
    expect(shellWords(['run', 'C:\\Lab Experiments\\kill N2.yaml', '--seed', '7'], 'cmd')).to.equal('run "C:\\Lab Experiments\\kill N2.yaml" --seed 7');
    expect(shellWords(['--set', 'note=say "hi"'], 'cmd')).to.equal('--set "note=say \\"hi\\""');
    expect(shellWords(['C:\\dir with space\\'], 'cmd')).to.equal('"C:\\dir with space\\\\"');
    expect(shellWords(['a&b', 'x|y', 'cluster.vms[0].memoryGB=56'], 'cmd')).to.equal('"a&b" "x|y" "cluster.vms[0].memoryGB=56"');
    expect(shellWords(['C:\\experiments\\drain.yaml'], 'cmd')).to.equal('C:\\experiments\\drain.yaml');
  });

  it('tells the shell: CLUSTERCHAOS_SHELL first; on Windows PowerShell by its profile folder in PSModulePath, else cmd; elsewhere POSIX', () => {
    const cmdEnv = { USERPROFILE: 'C:\\Users\\lab', PSModulePath: 'C:\\Program Files\\WindowsPowerShell\\Modules;C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules' };
    const psEnv = { USERPROFILE: 'C:\\Users\\lab', PSModulePath: `C:\\Users\\lab\\Documents\\PowerShell\\Modules;C:\\Program Files\\PowerShell\\Modules;${cmdEnv.PSModulePath}` };
    expect(currentShell(cmdEnv, 'win32')).to.equal('cmd');
    expect(currentShell(psEnv, 'win32')).to.equal('powershell');
    expect(currentShell(psEnv, 'linux')).to.equal('posix');
    expect(currentShell({ ...cmdEnv, CLUSTERCHAOS_SHELL: 'PowerShell' }, 'win32')).to.equal('powershell');
    expect(currentShell({ CLUSTERCHAOS_SHELL: 'cmd' }, 'linux')).to.equal('cmd');
  });

  it('the replay command of a run with a spaced path and an override, for each shell', () => {
    const o = { file: 'C:\\Lab\\my kill.yaml', seed: 42, sets: ['settings.ResiliencyDefaultPeriod=60'], defects: ['no-isolation'], target: 'sim' };
    expect(replayCommand(o, 'powershell')).to.equal("npx clusterchaos run 'C:\\Lab\\my kill.yaml' --seed 42 --set settings.ResiliencyDefaultPeriod=60 --defect no-isolation");
    expect(replayCommand(o, 'cmd')).to.equal('npx clusterchaos run "C:\\Lab\\my kill.yaml" --seed 42 --set settings.ResiliencyDefaultPeriod=60 --defect no-isolation');
    expect(replayCommand(o, 'posix')).to.equal("npx clusterchaos run 'C:\\Lab\\my kill.yaml' --seed 42 --set settings.ResiliencyDefaultPeriod=60 --defect no-isolation");
  });
});
