import { expect } from 'chai';
import { errorLines, experimentFile, load, shipped } from './helpers.js';

/** A small experiment with `top` at line 5, before the method. */
function doc(top = ''): string {
  return ['title: T', 'cluster:', '  nodes: [N1, N2, N3]', '  vms: [{ name: sql01, owner: N1, storage: smb }]', top, 'method:', '  - wait: 1s', ''].join('\n');
}

const defaults = { stopOn: 'first-anomaly', anomalyEvents: [18590, 20417, 21502, 21111], migrationTimeoutMs: 600_000 };

describe('soaks: iterations, duration and the soak section', () => {
  it('is no soak without iterations or duration', () => {
    expect(load(experimentFile(doc()))).not.to.have.property('soak');
  });

  it('repeats the method a number of times, stopping at the first anomaly, with the default events and a 10 min migration timeout', () => {
    expect(load(experimentFile(doc('iterations: 500'))).soak).to.deep.equal({ iterations: 500, ...defaults });
  });

  it('or for a while, in milliseconds', () => {
    expect(load(experimentFile(doc('duration: 8h'))).soak).to.deep.equal({ durationMs: 8 * 3_600_000, ...defaults });
  });

  it('reads the soak section', () => {
    const e = load(experimentFile(doc('iterations: 3\nsoak:\n  stop-on: never\n  anomaly-events: [18590]\n  migration-timeout: 90s')));
    expect(e.soak).to.deep.equal({ iterations: 3, stopOn: 'never', anomalyEvents: [18590], migrationTimeoutMs: 90_000 });
  });

  it('takes an empty list of anomaly events (only failed operations count then)', () => {
    expect(load(experimentFile(doc('iterations: 3\nsoak:\n  anomaly-events: []'))).soak!.anomalyEvents).to.deep.equal([]);
  });

  it('takes --set iterations=20000 over the file, as the overnight reproduction is run', () => {
    const e = load(shipped('live-migration-soak.yaml'), { sets: ['iterations=20000'] });
    expect(e.soak).to.include({ iterations: 20_000, stopOn: 'first-anomaly' });
  });

  it('turns an experiment into a soak with --set iterations=…, a top-level key the file does not have', () => {
    expect(load(experimentFile(doc()), { sets: ['iterations=10'] }).soak).to.deep.equal({ iterations: 10, ...defaults });
  });

  it('swaps iterations for a duration with --set iterations=null --set duration=…', () => {
    const e = load(experimentFile(doc('iterations: 5')), { sets: ['iterations=null', 'duration=30m'] });
    expect(e.soak).to.deep.equal({ durationMs: 1_800_000, ...defaults });
  });

  it('refuses iterations and duration together, at the duration', () => {
    const f = experimentFile(doc('iterations: 10\nduration: 8h'));
    expect(errorLines(f)).to.deep.equal([
      `${f}:6:1: duration: expected iterations or duration, not both, found iterations: 10 and duration: "8h". Keep one of them. To swap one for the other with --set, set the one from the file to null, e.g. --set iterations=null --set duration=8h.`,
    ]);
  });

  it('names the flag when --set adds a duration to a file that gives iterations', () => {
    const f = experimentFile(doc('iterations: 10'));
    expect(errorLines(f, { sets: ['duration=8h'] })).to.deep.equal([
      `${f}: --set duration=8h: expected iterations or duration, not both, found iterations: 10 and duration: "8h". Keep one of them. To swap one for the other with --set, set the one from the file to null, e.g. --set iterations=null --set duration=8h.`,
    ]);
  });

  it('refuses a soak section without iterations or duration, at its line, even an empty one', () => {
    for (const section of ['soak:\n  stop-on: never', 'soak:']) {
      const f = experimentFile(doc(section));
      expect(errorLines(f)).to.deep.equal([
        `${f}:5:1: soak: expected a soak section only beside "iterations:" or "duration:" (how many times, or how long, to repeat the method), found neither. Add "iterations: 1000" or "duration: 8h" at the top level, or remove the soak section.`,
      ]);
    }
  });

  it('refuses iterations that are not a whole number of at least 1, from the file or a flag', () => {
    for (const value of ['0', '1.5', 'many']) {
      const f = experimentFile(doc(`iterations: ${value}`));
      expect(errorLines(f)).to.deep.equal([
        `${f}:5:13: iterations: expected a whole number of times to run the method, 1 or more (a soak), found ${value === 'many' ? '"many"' : value}.`,
      ]);
    }
    const f = experimentFile(doc('iterations: 5'));
    expect(errorLines(f, { sets: ['iterations=0'] })).to.deep.equal([
      `${f}: --set iterations=0: expected a whole number of times to run the method, 1 or more (a soak), found 0.`,
    ]);
  });

  it('refuses a duration of nothing or without a unit', () => {
    let f = experimentFile(doc('duration: 0s'));
    expect(errorLines(f)).to.deep.equal([`${f}:5:11: duration: expected a duration longer than 0, found "0s".`]);
    f = experimentFile(doc('duration: 8'));
    expect(errorLines(f)).to.deep.equal([
      `${f}:5:11: duration: expected how long to keep running the method (a soak): a duration such as 500ms, 90s, 2m, 1h or 1m30s, found 8. Give the unit, e.g. 8s or 8ms.`,
    ]);
  });

  it('refuses an unknown stop-on, an event ID that is not one, a zero migration timeout and an unknown key', () => {
    const f = experimentFile(doc('iterations: 3\nsoak:\n  stop-on: always\n  anomaly-events: [18590, x, 70000]\n  migration-timeout: 0s\n  stop-after: 3'));
    expect(errorLines(f)).to.deep.equal([
      `${f}:7:12: soak.stop-on: expected first-anomaly or never, found "always". first-anomaly stops the soak with the evidence kept; never keeps going and counts the anomalies.`,
      `${f}:8:27: soak.anomaly-events[1]: expected an event ID, a whole number from 0 to 65535, found "x".`,
      `${f}:8:30: soak.anomaly-events[2]: expected an event ID, a whole number from 0 to 65535, found 70000.`,
      `${f}:9:22: soak.migration-timeout: expected a duration longer than 0, found "0s".`,
      `${f}:10:3: soak.stop-after: expected one of the keys of soak (stop-on, anomaly-events, migration-timeout), found "stop-after".`,
    ]);
  });
});
