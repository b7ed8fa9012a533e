import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { create } from 'xmlbuilder2';
import { cli } from '../helpers/cli.js';

const FLAGSHIP = 'experiments/compute-resiliency.yaml';
const SOAK = 'experiments/live-migration-soak.yaml';
const REPORTS = ['summary.json', 'junit.xml', 'report.html'];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'clusterchaos-report-cli-'));
}

function summaryOf(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
}

function deleteReports(dir: string): void {
  for (const f of REPORTS) rmSync(join(dir, f));
}

interface El {
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): ArrayLike<El>;
  textContent: string | null;
}

/** junit.xml parsed back: each test case's name with its failures (type and text) and errors. */
function junitCases(dir: string): { suite: El; cases: { name: string; failures: { type: string; text: string }[]; errors: { type: string; message: string }[] }[] } {
  const root = create(readFileSync(join(dir, 'junit.xml'), 'utf8')).root().node as unknown as El;
  const suite = Array.from(root.getElementsByTagName('testsuite'))[0]!;
  const cases = Array.from(suite.getElementsByTagName('testcase')).map((c) => ({
    name: c.getAttribute('name')!,
    failures: Array.from(c.getElementsByTagName('failure')).map((f) => ({ type: f.getAttribute('type')!, text: f.textContent ?? '' })),
    errors: Array.from(c.getElementsByTagName('error')).map((f) => ({ type: f.getAttribute('type')!, message: f.getAttribute('message')! })),
  }));
  return { suite, cases };
}

/** The parts of summary.json that come from the trace and the check (not the real time the run took). */
function checked(s: Record<string, any>): unknown {
  return { verdict: s.verdict, reason: s.reason, violations: s.violations, unknowns: s.unknowns, coverage: s.coverage, faults: s.faults, entities: s.entities, migrations: s.migrations, settings: s.settings, seed: s.seed, run: { ...s.run, wallMs: undefined } };
}

describe('clusterchaos report <out>', function () {
  this.timeout(180_000);

  describe('a passing run', () => {
    let out: string;
    let original: Record<string, any>;
    let originalJunit: string;
    before(() => {
      out = join(tmp(), 'flagship');
      const run = cli(['run', FLAGSHIP, '--out', out]);
      expect(run.code, run.stderr).to.equal(0);
      original = summaryOf(out);
      originalJunit = readFileSync(join(out, 'junit.xml'), 'utf8');
    });

    it('recreates summary.json, junit.xml and report.html from the trace alone, with the same verdict', () => {
      deleteReports(out);
      const r = cli(['report', out]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.lastLine).to.equal(`verdict: pass — ${original.reason}`);
      for (const f of REPORTS) expect(existsSync(join(out, f)), f).to.equal(true);
      const again = summaryOf(out);
      expect(checked(again)).to.deep.equal(checked(original));
      expect(again.run.wallMs).to.equal(0); // the trace does not keep the real time, and the summary was gone
      expect(readFileSync(join(out, 'report.html'), 'utf8')).to.match(/<svg/);
      // the same test cases, the same outcomes (the wall time property aside)
      const strip = (xml: string) => xml.replace(/<property name="wallMs" value="\d+"\/>/, '');
      expect(strip(readFileSync(join(out, 'junit.xml'), 'utf8'))).to.equal(strip(originalJunit));
    });

    it('keeps the real time the run took when summary.json is still there', () => {
      const before = summaryOf(out);
      writeFileSync(join(out, 'summary.json'), JSON.stringify({ ...before, run: { ...before.run, wallMs: 1234 } }));
      const r = cli(['report', out]);
      expect(r.code, r.stderr).to.equal(0);
      expect(summaryOf(out).run.wallMs).to.equal(1234);
    });

    it('writes to --out DIR instead, leaving the run folder as it was', () => {
      const elsewhere = join(tmp(), 'regenerated');
      const stored = readFileSync(join(out, 'summary.json'), 'utf8');
      const r = cli(['report', out, '--out', elsewhere]);
      expect(r.code, r.stderr).to.equal(0);
      for (const f of REPORTS) expect(existsSync(join(elsewhere, f)), f).to.equal(true);
      expect(readFileSync(join(out, 'summary.json'), 'utf8')).to.equal(stored);
      expect(summaryOf(elsewhere).verdict).to.equal('pass');
      expect(summaryOf(elsewhere).files.trace).to.equal(relative(elsewhere, join(out, 'trace.ndjson')));
    });

    it('takes the trace itself as well as its folder', () => {
      const r = cli(['report', join(out, 'trace.ndjson')]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.lastLine).to.match(/^verdict: pass — /);
    });

    it('carries a residue scan that summary.json kept into the new reports, and the verdict it makes unknown', () => {
      // a copy of the run folder whose summary.json has a dirty residue (as a real cluster's run writes it)
      const copy = join(tmp(), 'with-residue');
      expect(cli(['report', out, '--out', copy]).code).to.equal(0);
      writeFileSync(join(copy, 'trace.ndjson'), readFileSync(join(out, 'trace.ndjson')));
      const finding = 'node N2 is still Paused: Resume-ClusterNode -Name N2';
      writeFileSync(join(copy, 'summary.json'), JSON.stringify({ ...summaryOf(copy), residue: { clean: false, findings: [finding] } }));
      const r = cli(['report', copy]);
      expect(r.code, r.stderr).to.equal(3);
      expect(r.lastLine).to.equal(`verdict: unknown — the run left residue on the cluster: ${finding}`);
      expect(summaryOf(copy).residue).to.deep.equal({ clean: false, findings: [finding] });
      const residue = junitCases(copy).cases.find((c) => c.name === 'residue scan: the run left nothing behind on the cluster')!;
      expect(residue.errors).to.deep.equal([{ type: 'residue', message: finding }]);
    });
  });

  describe('a failing defect run', () => {
    let out: string;
    let original: Record<string, any>;
    before(() => {
      out = join(tmp(), 'defect');
      const run = cli(['run', FLAGSHIP, '--defect', 'no-isolation', '--out', out]);
      expect(run.code, run.stderr).to.equal(1);
      original = summaryOf(out);
      deleteReports(out);
    });

    it('keeps the violation: exit 1, the same violations in summary.json, a failure in junit.xml and the violation in report.html', () => {
      const r = cli(['report', out]);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.lastLine).to.equal(`verdict: fail — ${original.reason}`);
      expect(r.stdout).to.match(/node\/N2 \(node-membership\)/);
      const again = summaryOf(out);
      expect(again.violations).to.deep.equal(original.violations);
      expect(again.violations.length).to.be.greaterThan(0);
      const { suite, cases } = junitCases(out);
      const n2 = cases.find((c) => c.name === 'node/N2 conforms to the node-membership model')!;
      expect(n2.failures.length).to.be.greaterThan(0);
      expect(n2.failures[0]!.type).to.equal('node-membership');
      expect(n2.failures[0]!.text).to.include(`observed: ${original.violations[0].observed}`);
      expect(Number(suite.getAttribute('failures'))).to.be.greaterThan(0);
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      expect(html).to.include('node-membership');
      expect(html).to.include(original.violations[0].expected);
    });
  });

  describe('a soak that found a guest crash', () => {
    let out: string;
    let original: Record<string, any>;
    before(() => {
      out = join(tmp(), 'soak');
      const run = cli(['run', SOAK, '--defect', 'storvsc-race', '--set', 'iterations=20000', '--no-shrink', '--out', out]);
      expect(run.code, run.stderr).to.equal(1);
      original = summaryOf(out);
    });

    it('re-checks with clusterchaos check <trace>: exit 1, naming the guest crash', () => {
      const r = cli(['check', join(out, 'trace.ndjson')]);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout).to.match(/vm\/\S+ \(guest-crash\)/);
      expect(r.lastLine).to.equal(`verdict: fail — ${original.reason}`);
    });

    it('regenerates its reports with the soak account and one test case per rule and entity', () => {
      deleteReports(out);
      const r = cli(['report', out]);
      expect(r.code, r.stderr).to.equal(1);
      const again = summaryOf(out);
      expect(again.run.soak).to.deep.equal(original.run.soak);
      expect(again.violations).to.deep.equal(original.violations);
      expect(again.migrations).to.deep.equal(original.migrations);
      const { cases } = junitCases(out);
      expect(cases.length).to.be.below(100); // thousands of migrations, a few dozen test cases
      const crashed = cases.filter((c) => c.failures.some((f) => f.type === 'guest-crash'));
      expect(crashed.map((c) => c.name)).to.deep.equal([`${original.violations[0].entity} satisfies guest-crash`]);
      const soak = cases.find((c) => c.name === 'soak: every iteration without an anomaly')!;
      expect(soak.failures.map((f) => f.type)).to.include('soak-anomaly');
    });
  });

  describe('bad input', () => {
    it('exits 2 for a path that does not exist, naming it', () => {
      const missing = join(tmp(), 'no-such-run');
      const r = cli(['report', missing]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(missing);
      expect(r.lastLine).to.match(/^verdict: unknown — bad input/);
    });

    it('exits 2 for a folder without a trace', () => {
      const empty = tmp();
      const r = cli(['report', empty]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.include(`${empty}: no trace.ndjson`);
      expect(existsSync(join(empty, 'summary.json'))).to.equal(false);
    });

    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

    it('exits 2 for a malformed trace line, naming the file and line', () => {
      const out = join(tmp(), 'broken');
      expect(cli(['run', FLAGSHIP, '--out', out]).code).to.equal(0);
      const trace = join(out, 'trace.ndjson');
      const lines = readFileSync(trace, 'utf8').split('\n');
      lines[2] = 'this is not JSON';
      writeFileSync(trace, lines.join('\n'));
      deleteReports(out);
      const r = cli(['report', out]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(new RegExp(`^${escape(trace)}:3: `, 'm'));
      expect(r.lastLine).to.match(/^verdict: unknown — bad input/);
      expect(existsSync(join(out, 'summary.json'))).to.equal(false);
    });

    it('exits 2 for a header without what the reports need, naming the file and line', () => {
      const dir = tmp();
      const trace = join(dir, 'trace.ndjson');
      writeFileSync(trace, `${JSON.stringify({ type: 'header', format: 1 })}\n{"type":"footer","seq":1,"t":0,"verdict":"pass","reason":"x"}\n`);
      const r = cli(['report', dir]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(new RegExp(`^${escape(trace)}:1: the header lacks experiment .*cluster \\{nodes, vms\\}`, 'm'));
      expect(existsSync(join(dir, 'summary.json'))).to.equal(false);
    });

    it('exits 2 for a footer whose run outcome is not one, naming the file and line', () => {
      const out = join(tmp(), 'bad-footer');
      expect(cli(['run', FLAGSHIP, '--out', out]).code).to.equal(0);
      const trace = join(out, 'trace.ndjson');
      const lines = readFileSync(trace, 'utf8').trimEnd().split('\n');
      const footer = JSON.parse(lines.at(-1)!);
      lines[lines.length - 1] = JSON.stringify({ ...footer, run: { status: 'finished' } });
      writeFileSync(trace, lines.join('\n') + '\n');
      const r = cli(['report', out]);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(new RegExp(`^${escape(trace)}:${lines.length}: the footer's run is not a run outcome`, 'm'));
    });
  });

  it('reports a run that never wrote its footer as aborted: exit 3', () => {
    const out = join(tmp(), 'killed');
    expect(cli(['run', FLAGSHIP, '--out', out]).code).to.equal(0);
    const lines = readFileSync(join(out, 'trace.ndjson'), 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines.at(-1)!).type).to.equal('footer');
    writeFileSync(join(out, 'trace.ndjson'), lines.slice(0, -1).join('\n') + '\n');
    deleteReports(out);
    const r = cli(['report', out]);
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stdout).to.include('the trace has no footer');
    expect(summaryOf(out).run.status).to.equal('aborted');
    expect(summaryOf(out).verdict).to.equal('unknown');
  });
});
