import { expect } from 'chai';
import { parseDuration } from '../../src/experiment/duration.js';

describe('durations', () => {
  const valid: [string, number][] = [
    ['500ms', 500],
    ['0s', 0],
    ['90s', 90_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h5m', 3_900_000],
    ['2s500ms', 2500],
    ['1h1m1s1ms', 3_661_001],
  ];
  for (const [text, ms] of valid) {
    it(`reads ${text} as ${ms} ms`, () => expect(parseDuration(text)).to.equal(ms));
  }

  const invalid = ['', '90', 's', '1.5s', '90 s', ' 90s', '90sec', '2min', '-5s', '30s1m', '1m1m', '5d', '1e3ms', 'ms'];
  for (const text of invalid) {
    it(`refuses ${JSON.stringify(text)}, naming the forms it accepts`, () => {
      expect(() => parseDuration(text)).to.throw(`expected a duration such as 500ms, 90s, 2m, 1h or 1m30s, found ${JSON.stringify(text)}`);
    });
  }
});
