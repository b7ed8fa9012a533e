import { expect } from 'chai';
import type { Logger } from 'pino';
import { soakProgress } from '../../src/cli/progress.js';

describe('soak progress without a terminal (CI, a log file)', () => {
  it('logs one line every tenth of the way, with the count, rate, ETA and anomalies', () => {
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(m) } as unknown as Logger;
    const progress = soakProgress(log, { isTTY: false } as NodeJS.WriteStream);
    progress.start(200, 'iterations');
    for (let i = 1; i <= 200; i++) progress.update(i, i >= 150 ? 1 : 0);
    progress.stop();
    expect(lines).to.have.length(10);
    expect(lines[0]).to.match(/^soak 10 %: 20\/200 iterations, \d+\/s, ETA \d+ s, anomalies: 0$/);
    expect(lines[9]).to.match(/^soak 100 %: 200\/200 iterations, .* anomalies: 1$/);
  });

  it('counts a duration soak on the run’s clock', () => {
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(m) } as unknown as Logger;
    const progress = soakProgress(log, { isTTY: false } as NodeJS.WriteStream);
    progress.start(3_600_000, 'ms');
    progress.update(1_800_000, 0);
    expect(lines).to.deep.equal([lines[0]]);
    expect(lines[0]).to.match(/^soak 50 %: 30 min of 60 min on the run's clock/);
  });
});
