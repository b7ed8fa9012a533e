import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, Stderr } from '../../src/cli/log.js';
import { soakProgress } from '../../src/cli/progress.js';

/** A fake stderr: what was written to it, byte for byte, as a terminal (isTTY, 100 columns) or a file. */
function fakeStderr(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 100, write: (s: string) => (chunks.push(s), true) };
  return { out: new Stderr(stream), bytes: () => chunks.join('') };
}

/**
 * What a terminal shows after these bytes, scrollback included: a line per row, with carriage return, newline,
 * cursor column (CSI n G), cursor up and down (CSI n A / B) and erase in line (CSI K, 1K, 2K) applied, and every
 * other escape sequence (colours, cursor shown or hidden, line wrapping) ignored.
 */
function screen(bytes: string): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = (): string[] => (rows[row] ??= []);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === '\x1b') {
      const m = /^\x1b(?:\[([?\d;]*)([A-Za-z])|[78])/.exec(bytes.slice(i));
      if (!m) continue;
      i += m[0].length - 1;
      const n = Number(m[1] || 0);
      if (m[2] === 'G') col = Math.max(0, (n || 1) - 1);
      else if (m[2] === 'A') row = Math.max(0, row - (n || 1));
      else if (m[2] === 'B') row += n || 1;
      else if (m[2] === 'K') {
        if (n === 0) line().length = Math.min(line().length, col);
        else if (n === 1) line().fill(' ', 0, col + 1);
        else rows[row] = [];
      }
    } else if (c === '\r') col = 0;
    else if (c === '\n') {
      row++;
      col = 0;
    } else {
      const l = line();
      while (l.length < col) l.push(' ');
      l[col++] = c;
    }
  }
  return rows.map((r) => (r ?? []).join('').trimEnd());
}

describe('soak progress on a terminal', function () {
  this.timeout(20_000);

  it('prints a log line whole above the bar, where the next redraws leave it in the scrollback', async () => {
    const { out, bytes } = fakeStderr(true);
    const log = createLogger('pretty', 'info', out);
    const progress = soakProgress(log, { out });
    progress.start(20_000, 'iterations');
    for (let i = 1; i <= 13_741; i += 1000) progress.update(i, 0);
    await sleep(300); // the bar's own redraws (5 a second)
    const warning = "iteration 13741: event 18590 on N4 (Microsoft-Windows-Hyper-V-Worker-Admin): 'sqltest01' has encountered a fatal error";
    log.warn(warning);
    const afterWarning = bytes().length;
    progress.update(13_741, 1);
    log.info('checking that the steady state comes back');
    await sleep(450); // redraws after the lines
    progress.stop();

    // the byte stream: the warning ends its line, and what comes next is the bar drawn again under it
    const written = bytes();
    const end = written.indexOf(warning) + warning.length;
    expect(written.slice(end, afterWarning)).to.match(/^(\x1b\[39m)?\n\x1b\[1Gsoak \[/);
    // and on the screen: each log line on a row of its own, whole, above the bar, which ends the output
    const rows = screen(written).filter((r) => r !== '');
    expect(rows).to.have.length(3);
    expect(rows[0]).to.match(/^\[\d\d:\d\d:\d\d\] WARN: /).and.to.include(warning);
    expect(rows[0]!.endsWith(warning)).to.equal(true);
    expect(rows[1]).to.match(/^\[\d\d:\d\d:\d\d\] INFO: checking that the steady state comes back$/);
    expect(rows[2]).to.match(/^soak \[[█░]{20}\] 68% \| 13741\/20000 iterations \| anomalies: 1 \| \d+\/s \| ETA \d+s$/);
  });

  it('leaves the finished bar on its own line, so what is printed next starts a line of its own', () => {
    const { out, bytes } = fakeStderr(true);
    const progress = soakProgress(createLogger('pretty', 'info', out), { out });
    progress.start(200, 'iterations');
    progress.update(200, 0);
    progress.stop();
    expect(bytes().endsWith('\n')).to.equal(true);
    expect(screen(bytes() + 'verdict: pass').filter((r) => r !== '')).to.deep.equal([
      screen(bytes()).find((r) => r.startsWith('soak [')),
      'verdict: pass',
    ]);
  });
});

describe('soak progress without a terminal (CI, a log file)', () => {
  /** The progress lines a soak without a terminal writes, as JSON records, on a clock the test moves. */
  function noTerminal(everyMs?: number) {
    const { out, bytes } = fakeStderr(false);
    let now = 0;
    const progress = soakProgress(createLogger('json', 'info', out), { out, now: () => now, ...(everyMs ? { everyMs } : {}) });
    const records = () =>
      bytes()
        .trimEnd()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; progress: Record<string, number> });
    return { progress, records, bytes, tick: (ms: number) => void (now += ms) };
  }

  it('logs one line every tenth of the way, with the count, rate, ETA and anomalies', () => {
    const { progress, records, tick } = noTerminal();
    progress.start(200, 'iterations');
    for (let i = 1; i <= 200; i++) {
      tick(10);
      progress.update(i, i >= 150 ? 1 : 0);
    }
    progress.stop();
    const lines = records().map((r) => r.msg);
    expect(lines).to.have.length(10);
    expect(lines[0]).to.equal('soak 10 %: 20/200 iterations, 100/s, ETA 2 s, anomalies: 0');
    expect(lines[9]).to.equal('soak 100 %: 200/200 iterations, 100/s, ETA 0 s, anomalies: 1');
    expect(records()[9]!.progress).to.deep.equal({ iterations: 200, of: 200, anomalies: 1, etaS: 0 });
  });

  it('logs a line every so many seconds of wall time between the tenths, for a soak whose iterations take long', () => {
    const { progress, records, bytes, tick } = noTerminal(30_000);
    progress.start(12_000, 'iterations'); // a real soak: 12,000 migrations of about 12 s each
    for (let i = 1; i <= 30; i++) {
      tick(12_000);
      progress.update(i, 0);
    }
    progress.stop();
    // 360 s: a line at 36, 72, 108, … s (the first update 30 s or more after the last line), none at a tenth yet
    expect(records().map((r) => r.msg)).to.deep.equal(
      [3, 6, 9, 12, 15, 18, 21, 24, 27, 30].map((i) => `soak 0 %: ${i}/12000 iterations, 0/s, ETA ${Math.round((12_000 - i) * 12)} s, anomalies: 0`),
    );
    expect(bytes()).not.to.include('\x1b');
    expect(bytes()).not.to.include('\r');
  });

  it('says it is alive while one iteration takes long, with no update at all', async () => {
    const { out, bytes } = fakeStderr(false);
    const progress = soakProgress(createLogger('json', 'info', out), { out, everyMs: 40 });
    progress.start(10, 'iterations');
    progress.update(1, 0);
    await sleep(300);
    progress.stop();
    const lines = bytes().trimEnd().split('\n');
    expect(lines.length).to.be.at.least(3);
    for (const l of lines) expect(JSON.parse(l).msg).to.match(/^soak 10 %: 1\/10 iterations, \d+\/s, ETA \d+ s, anomalies: 0$/);
    const before = bytes();
    await sleep(150);
    expect(bytes()).to.equal(before); // stopped: no more lines
  });

  it('counts a duration soak on the run’s clock', () => {
    const { progress, records, tick } = noTerminal();
    progress.start(3_600_000, 'ms');
    tick(1000);
    progress.update(1_800_000, 0);
    progress.stop();
    expect(records()).to.have.length(1);
    expect(records()[0]!.msg).to.match(/^soak 50 %: 30 min of 60 min on the run's clock/);
  });
});

describe('campaign progress on a terminal', function () {
  this.timeout(20_000);

  it('shows runs done of planned, failures (a baseline that failed) apart from defects caught, unknowns, the rate and an ETA', async () => {
    const { campaignProgress } = await import('../../src/cli/campaign-command.js');
    const { out, bytes } = fakeStderr(true);
    const progress = campaignProgress(10, createLogger('pretty', 'info', out), out);
    const run = (defect: string | null, verdict: 'pass' | 'fail' | 'unknown') => ({ spec: { defect }, verdict }) as unknown as import('../../src/campaign/types.js').RunRecord;
    for (const r of [run(null, 'pass'), run('no-isolation', 'fail'), run(null, 'fail'), run('down-early', 'unknown')]) progress.record(r);
    await sleep(300); // the bar's own redraws (5 a second)
    progress.stop();
    const last = screen(bytes()).filter((l) => l.startsWith('campaign ')).at(-1)!;
    expect(last).to.match(/^campaign \[.+\] 4\/10 runs \| failed: 1 caught: 1 unknown: 1 \| \d+(\.\d)?\/s \| ETA \d+s$/);
  });
});
