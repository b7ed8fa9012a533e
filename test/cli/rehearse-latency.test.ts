import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

/**
 * `--lab-latency`: a user rehearsing a run can give every stand-in call a cost on the lab's clock, and sees what
 * a poll then costs — measured from the round trips, not assumed — on the console and in summary.json.
 */
describe('clusterchaos run --target powershell --rehearse --lab-latency', function () {
  this.timeout(300_000);
  const EXPERIMENT = 'test/rehearsal/fixtures/experiments/short-resiliency.yaml';

  it('makes every stand-in call cost that long: the measured poll cost is printed and recorded, and the run still passes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterchaos-latency-'));
    const allow = join(dir, 'allow.yaml');
    writeFileSync(allow, 'clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc, live-migrate]\n');
    const r = cli(['run', EXPERIMENT, '--target', 'powershell', '--rehearse', '--yes', '--lab-latency', '40ms', '--allowlist', allow, '--out', join(dir, 'run')]);
    expect(r.code, r.stderr).to.equal(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('observation: '));
    expect(line, r.stdout).to.match(/^observation: \d+ polls; each took [\d.]+ s median/);
    const observation = (JSON.parse(readFileSync(join(dir, 'run', 'summary.json'), 'utf8')) as { run: { observation: { polls: number; medianMs: number } } }).run.observation;
    // a poll makes several stand-in calls, each 40 ms of the lab's time: whole multiples of 40, several of them
    expect(observation.medianMs % 40).to.equal(0);
    expect(observation.medianMs).to.be.at.least(160);
    expect(observation.polls).to.be.greaterThan(5);
  });

  it('is refused without --rehearse, before anything is started', () => {
    const r = cli(['run', EXPERIMENT, '--target', 'powershell', '--lab-latency', '40ms']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('--lab-latency sets the rehearsal lab');
  });

  it('refuses a value that is not a duration, naming what it expects', () => {
    const r = cli(['run', EXPERIMENT, '--target', 'powershell', '--rehearse', '--lab-latency', 'fast']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('expected a duration, e.g. 50ms');
  });
});
