import { expect } from 'chai';
import { settingDefinitions } from '../../machines/index.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';
import { wallClock } from '../../src/report/clock.js';
import { valueText } from '../../src/report/operations.js';
import { ANSWER_BEGIN, ANSWER_END, parseConnect, PowerShellOutputError } from '../../src/targets/powershell/parse.js';
import { createSimTarget } from '../../src/targets/sim/index.js';

describe('report: the wall clock beside the run\'s clock', () => {
  it('gives a moment in UTC and in the cluster\'s zone, by the zone\'s own rules across a daylight-saving change', () => {
    // Paris moves from UTC+01:00 to UTC+02:00 at 01:00 UTC on 29 March 2026
    const clock = wallClock({ startTime: '2026-03-29T00:30:00.000Z', timeZone: { id: 'Europe/Paris', utcOffsetMinutes: 60 } });
    expect(clock.utc(0)).to.equal('2026-03-29 00:30:00 UTC');
    expect(clock.local(0)).to.equal('2026-03-29 01:30:00');
    expect(clock.local(3_600_000)).to.equal('2026-03-29 03:30:00');
    expect(clock.zone).to.equal('Europe/Paris, UTC+01:00');
  });

  it('uses the recorded offset for a Windows zone id, and says when the trace has no zone', () => {
    const windows = wallClock({ startTime: '2026-01-01T23:30:00.000Z', timeZone: { id: 'India Standard Time', utcOffsetMinutes: 330 } });
    expect(windows.local(0)).to.equal('2026-01-02 05:00:00');
    expect(windows.zone).to.equal('India Standard Time, UTC+05:30');
    const before = wallClock({ startTime: '2026-01-01T00:00:00.000Z' });
    expect(before.utc(90_000)).to.equal('2026-01-01 00:01:30 UTC');
    expect(before.local(90_000)).to.equal(undefined);
    expect(before.zone).to.equal("the cluster's time zone is not in the trace (written before issue 15)");
    // a hand-edited header's zone without a number for its offset is treated as absent, not a crash
    const edited = wallClock({ startTime: '2026-01-01T00:00:00.000Z', timeZone: { id: 'CET', utcOffsetMinutes: 'one hour' as unknown as number } });
    expect(edited.local(0)).to.equal(undefined);
  });

  it("reads a real cluster's zone from first contact, and refuses one without an offset", () => {
    const framed = (json: unknown): string => `${ANSWER_BEGIN}\n${JSON.stringify(json)}\n${ANSWER_END}`;
    const nodes = [
      { name: 'N1', reached: true, timeZone: { id: 'W. Europe Standard Time', utcOffsetMinutes: 60 } },
      { name: 'N2', reached: true, timeZone: null },
    ];
    expect(parseConnect(framed({ nodes })).nodes).to.deep.equal([{ name: 'N1', reached: true, timeZone: { id: 'W. Europe Standard Time', utcOffsetMinutes: 60 } }, { name: 'N2', reached: true }]);
    expect(() => parseConnect(framed({ nodes: [{ name: 'N1', reached: true, timeZone: { id: 'UTC' } }] }))).to.throw(PowerShellOutputError, /nodes\[0\]\.timeZone\.utcOffsetMinutes/);
  });

  it('records the simulated cluster\'s zone, UTC unless told', () => {
    const { cluster, simulator } = loadExperiment('experiments/compute-resiliency.yaml', { settings: settingDefinitions, faults });
    expect(createSimTarget({ cluster, simulator, seed: 1 }).timeZone()).to.deep.equal({ id: 'UTC', utcOffsetMinutes: 0 });
    expect(createSimTarget({ cluster, simulator, seed: 1, timeZone: 'Asia/Kolkata' }).timeZone()).to.deep.equal({ id: 'Asia/Kolkata', utcOffsetMinutes: 330 });
  });
});

describe('report: operation values a person reads', () => {
  it('says a live migration in words, with seconds and GiB', () => {
    const value = { vm: 'sql01', source: 'N2', target: 'N1', transport: 'SMB', network: 'LM', queuedMs: 1500, setupMs: 200, passes: 2, passMs: [4000, 900], blackoutMs: 400, cleanupMs: 100, totalMs: 7100, bytes: 8 * 2 ** 30, wireBytes: 8 * 2 ** 30 };
    expect(valueText(value)).to.equal('sql01 N2 → N1 over SMB on network LM: total 7.1 s, queued 1.5 s, setup 0.2 s, 2 pre-copy passes (4.0 s, 0.9 s), blackout 0.4 s, cleanup 0.1 s, 8.0 GiB sent');
    expect(valueText({ vm: 'web01', source: 'N1', target: 'N3', totalMs: 500, failedIn: 'Setup' })).to.equal('web01 N1 → N3: total 0.5 s, failed in Setup');
  });

  it('says a drain as its node, time and migrations, and anything else as named values, never JSON', () => {
    const drain = { node: 'N2', totalMs: 30_000, migrations: [{ vm: 'sql01', source: 'N2', target: 'N3', totalMs: 12_000 }] };
    expect(valueText(drain)).to.equal('N2 in 30.0 s: 1 live migration — sql01 N2 → N3: total 12.0 s');
    expect(valueText({ drainStatus: 'Completed', elapsedMs: 2500, startedAt: 61_000, groups: ['a', 'b'], quiet: true })).to.equal('drain status Completed, elapsed 2.5 s, started at 01:01.0, groups a, b, quiet yes');
    expect(valueText({ samples: Array.from({ length: 60 }, (_, i) => i) })).to.equal('samples 0, 1, 2, 3, 4, … (60 in all)');
    expect(valueText('x'.repeat(400))).to.have.length(300);
  });
});
