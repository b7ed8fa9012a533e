import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prettyFactory } from 'pino-pretty';
import { cli } from '../helpers/cli.js';

const SOAK = 'experiments/live-migration-soak.yaml';

describe('--log-format json: records a log shipper can query', function () {
  this.timeout(300_000);

  it('puts the run id, experiment, seed, iteration, event id, node, rule and entity in fields of their own, not only in msg', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'clusterchaos-log-')), 'race');
    const r = cli(['run', SOAK, '--defect', 'storvsc-race', '--set', 'iterations=20000', '--out', out, '--log-format', 'json']);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    // every line on stderr is one JSON record
    const records = r.stderr
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const { runId } = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { runId: string };
    for (const rec of records) expect(rec, rec.msg as string).to.include({ runId, experiment: 'live-migration-soak', seed: 1 });

    const anomaly = records.find((rec) => rec.level === 40 && String(rec.msg).startsWith('iteration '));
    expect(anomaly, r.stderr).to.include({ iteration: 13741, eventId: 18590, node: 'N4' });
    expect(anomaly!.msg).to.match(/^iteration 13741: event 18590 on N4 \(Microsoft-Windows-Hyper-V-Worker-Admin\): 'sqltest01' has encountered a fatal error/);
    const shrinking = records.find((rec) => String(rec.msg).startsWith('shrinking'));
    expect(shrinking, r.stderr).to.include({ rule: 'guest-crash', entity: 'vm/sqltest01' });
    expect(records.filter((rec) => String(rec.msg).startsWith('soak 10 %'))[0]).to.have.nested.property('progress.iterations', 2000);

    // and pino-pretty (as `… | npx pino-pretty`) reads them: the message, and the fields under it
    const pretty = prettyFactory({ colorize: false })(JSON.stringify(anomaly));
    expect(pretty).to.include('WARN').and.to.include(anomaly!.msg as string).and.to.include('eventId: 18590').and.to.include(`runId: "${runId}"`);
  });

  it('names the fault, the VM it acted on and the node it was sent to on a failed operation’s record', () => {
    const r = cli(['run', SOAK, '--defect', 'lm-stall', '--out', join(mkdtempSync(join(tmpdir(), 'clusterchaos-log-')), 'stall'), '--no-shrink', '--log-format', 'json']);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    const records = r.stderr
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const anomaly = records.find((rec) => rec.level === 40 && String(rec.msg).startsWith('iteration '));
    expect(anomaly, r.stderr).to.include({ iteration: 515, fault: 'live-migrate', entity: 'vm/sqlfixed01', node: 'N3' });
    expect(anomaly!.msg).to.match(/^iteration 515: live-migrate failed: live migration of 'sqlfixed01' to N3 did not complete within/);
  });

  it('keeps the readable lines to the message: the fields are not spelt out under each one', () => {
    const r = cli(['run', SOAK, '--set', 'iterations=200', '--out', join(mkdtempSync(join(tmpdir(), 'clusterchaos-log-')), 'pass'), '--log-format', 'pretty']);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.length).to.be.at.least(4);
    for (const line of lines) expect(line).to.match(/^\[\d\d:\d\d:\d\d\] (INFO|WARN): \S/);
    expect(r.stderr).not.to.match(/runId|progress:/);
  });
});
