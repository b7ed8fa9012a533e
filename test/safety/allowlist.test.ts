import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { settingDefinitions } from '../../machines/index.js';
import { loadExperiment } from '../../src/experiment/load.js';
import { faults } from '../../src/faults/catalogue.js';
import { allowlistLocation, AllowlistError, consentFor, loadAllowlist, parseAllowlist } from '../../src/safety/allowlist.js';

const FAULTS = [...faults.keys()];
const flagship = () => loadExperiment('experiments/compute-resiliency.yaml', { settings: settingDefinitions });

function refused(text: string): string {
  try {
    parseAllowlist('lab.yaml', text, '--allowlist', FAULTS);
  } catch (e) {
    expect(e).to.be.instanceOf(AllowlistError);
    return (e as Error).message;
  }
  expect.fail('the allowlist was accepted');
}

describe('allowlist', () => {
  it('reads clusters, their faults and max-impaired-nodes (default 1), remembering lines', () => {
    const a = parseAllowlist(
      'lab.yaml',
      ['# lab', 'clusters:', '  - name: HVCLUSTER01', '    faults: [kill-clussvc, stop-node]', '    max-impaired-nodes: 2', '  - name: LAB2', '    faults: [live-migrate]', ''].join('\n'),
      '--allowlist',
      FAULTS,
    );
    expect(a.clusters).to.deep.equal([
      { name: 'HVCLUSTER01', faults: ['kill-clussvc', 'stop-node'], maxImpairedNodes: 2, line: 3, faultsLine: 4 },
      { name: 'LAB2', faults: ['live-migrate'], maxImpairedNodes: 1, line: 6, faultsLine: 7 },
    ]);
    expect(a.clustersLine).to.equal(2);
  });

  it('ships an example that is itself a valid allowlist', () => {
    const a = loadAllowlist({ file: 'clusterchaos-allowlist.example.yaml', via: '--allowlist' }, FAULTS);
    expect(a.clusters.length).to.be.greaterThan(0);
  });

  it('refuses an unknown fault at its line, suggesting the right name', () => {
    const m = refused('clusters:\n  - name: HVCLUSTER01\n    faults:\n      - kill-clussvc\n      - kil-node\n');
    expect(m).to.match(/^lab\.yaml:5:9: clusters\[0\]\.faults\[1\]: expected a fault of the catalogue/);
    expect(m).to.contain('"kil-node"');
  });

  it('refuses a misspelt key rather than ignoring it (a typo in max-impaired-nodes must not fall back to the default)', () => {
    const m = refused('clusters:\n  - name: HVCLUSTER01\n    faults: [kill-clussvc]\n    max-impaired: 3\n');
    expect(m).to.match(/^lab\.yaml:4:5: .*expected name, faults, max-impaired-nodes or power, found "max-impaired"\. Did you mean "max-impaired-nodes"\?/);
  });

  it('refuses max-impaired-nodes below 1, a missing fault list, a repeated cluster, and YAML syntax errors, each with file:line', () => {
    expect(refused('clusters:\n  - name: A\n    faults: [kill-clussvc]\n    max-impaired-nodes: 0\n')).to.match(/^lab\.yaml:4:\d+: .*a whole number of nodes, 1 or more, found 0/);
    expect(refused('clusters:\n  - name: A\n')).to.match(/^lab\.yaml:2:\d+: clusters\[0\]: expected a list of the catalogue faults/);
    expect(refused('clusters:\n  - name: A\n    faults: [kill-clussvc]\n  - name: a\n    faults: [stop-node]\n')).to.match(/^lab\.yaml:4:\d+: .*"a" again \(first at line 2\)/);
    expect(refused('clusters:\n  - name: A\n    faults: [kill-clussvc\n')).to.match(/^lab\.yaml:\d+:\d+: expected valid YAML/);
    expect(refused('hello\n')).to.match(/^lab\.yaml:1:1: expected a mapping with "clusters:"/);
  });

  it('finds the file: --allowlist, else CLUSTERCHAOS_ALLOWLIST, else ./clusterchaos-allowlist.yaml', () => {
    expect(allowlistLocation('a.yaml', { CLUSTERCHAOS_ALLOWLIST: 'b.yaml' })).to.deep.equal({ file: 'a.yaml', via: '--allowlist' });
    expect(allowlistLocation(undefined, { CLUSTERCHAOS_ALLOWLIST: 'b.yaml' })).to.deep.equal({ file: 'b.yaml', via: 'CLUSTERCHAOS_ALLOWLIST' });
    expect(allowlistLocation(undefined, {}, '/lab')).to.deep.equal({ file: resolve('/lab', 'clusterchaos-allowlist.yaml'), via: 'the default' });
  });

  it('refuses a missing file, naming it, how it was looked for, and what to do', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'allow-')), 'clusterchaos-allowlist.yaml');
    try {
      loadAllowlist({ file, via: 'the default' }, FAULTS);
      expect.fail('accepted');
    } catch (e) {
      expect((e as Error).message).to.contain(file).and.to.contain('no such file').and.to.contain('CLUSTERCHAOS_ALLOWLIST').and.to.contain('clusterchaos-allowlist.example.yaml');
    }
  });

  it('refuses a cluster name with a control character, a bidirectional control or a line separator, naming it as U+hhhh and its position, at its line', () => {
    for (const [written, code, position] of [
      ['"HV\\u009bCLUSTER"', 'U+009B', 3],
      ['"HV\\u001b[31mCLUSTER"', 'U+001B', 3],
      ['"\\u202eHVCLUSTER"', 'U+202E', 1],
      ['"HVCLUSTER\\u2028"', 'U+2028', 10],
    ] as const) {
      const m = refused(`clusters:\n  - name: ${written}\n    faults: [kill-clussvc]\n`);
      expect(m, written).to.match(new RegExp(`^lab\\.yaml:2:11: clusters\\[0\\]\\.name: expected a cluster name of at most 255 characters, without control characters, .*, with ${code.replace('+', '\\+')} \\(.*\\) at position ${position}\\.`));
      // the message itself cannot drive the terminal that shows it
      expect(m).not.to.match(/[\u0000-\u0009\u000b-\u001f\u0080-\u009f\u202a-\u202e\u2028]/);
    }
    expect(refused(`clusters:\n  - name: ${'C'.repeat(256)}\n    faults: [kill-clussvc]\n`)).to.match(/^lab\.yaml:2:11: clusters\[0\]\.name: expected a cluster name of at most 255 characters.*found 256 characters/);
  });

  describe('consent for an experiment', () => {
    it('gives the entry when the cluster is listed (without regard to case) and every fault allowed', () => {
      const a = parseAllowlist('lab.yaml', 'clusters:\n  - name: hvcluster01\n    faults: [kill-clussvc]\n', 'x', FAULTS);
      expect(consentFor(a, flagship()).maxImpairedNodes).to.equal(1);
    });

    it('refuses a cluster not listed, at the clusters: line, saying what to add', () => {
      const dir = mkdtempSync(join(tmpdir(), 'allow-'));
      const file = join(dir, 'allow.yaml');
      writeFileSync(file, '# my lab\nclusters:\n  - name: OTHER\n    faults: [kill-clussvc]\n');
      const a = loadAllowlist({ file, via: '--allowlist' }, FAULTS);
      expect(() => consentFor(a, flagship())).to.throw(AllowlistError, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: clusters: expected an entry for the experiment's cluster HVCLUSTER01 .*found entries for OTHER only\\. .*"- name: HVCLUSTER01".*faults: \\[kill-clussvc\\]`));
    });

    it("refuses a step whose fault is not allowed, at the entry's faults line and the step's line", () => {
      const a = parseAllowlist('lab.yaml', 'clusters:\n  - name: HVCLUSTER01\n    faults: [stop-node, live-migrate]\n', 'x', FAULTS);
      expect(() => consentFor(a, flagship())).to.throw(AllowlistError, /^lab\.yaml:3: clusters\[0\]\.faults: expected kill-clussvc among the faults allowed on HVCLUSTER01 \(experiments\/compute-resiliency\.yaml:\d+ uses it\), found only stop-node, live-migrate\. Add kill-clussvc/);
    });
  });
});
