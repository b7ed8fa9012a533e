import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

/** `clusterchaos run` and the blast-radius guard's quorum check, as a user meets them (issue 14, "Done when"). */
describe('clusterchaos run: the quorum guard counts votes over time', function () {
  this.timeout(120_000);
  const out = () => join(mkdtempSync(join(tmpdir(), 'clusterchaos-quorum-')), 'run');

  it('runs a rolling drain of a six-node cluster (drain, resume, next node): no longer refused as "0 of 6 left"', () => {
    const r = cli(['run', 'test/safety/fixtures/rolling-drain-6.yaml', '--out', out()]);
    expect(r.stderr).not.to.match(/quorum|refused/i);
    expect(r.lastLine).to.match(/^verdict: pass — /);
    expect(r.code).to.equal(0);
  });

  it('refuses three nodes and the witness lost at once (4 of 7 votes), exit 2, saying the arithmetic in votes', () => {
    const r = cli(['run', 'test/safety/fixtures/three-down-at-once-6.yaml', '--out', out()]);
    expect(r.code).to.equal(2);
    const said = r.stdout + r.stderr;
    expect(said).to.include('test/safety/fixtures/three-down-at-once-6.yaml:19: method[3]: expected a plan that keeps more than half of the cluster\'s votes at every moment');
    expect(said).to.include('found N1, N2, N3, the witness impaired at once');
    expect(said).to.include('3 node votes + the witness = 4 of the 7 votes the cluster counted (6 nodes still members + the disk witness, which votes while the node votes are even) lost, 3 of 7 left, not more than half');
    expect(said).to.include('Nothing was done to any cluster.');
  });
});
