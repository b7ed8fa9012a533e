import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimatePlan } from '../../src/experiment/estimate.js';
import { methodUnits, planMethod } from '../../src/experiment/method.js';
import { errorLines, load, shipped } from './helpers.js';

function file(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'parallel-yaml-')), 'x.yaml');
  writeFileSync(path, yaml);
  return path;
}

const HEAD = `title: t
cluster:
  nodes: [N1, N2, N3]
  vms:
    - { name: web01, owner: N1, storage: smb }
method:
`;

describe('experiment: parallel blocks', () => {
  it('loads a block whose branches are a step or a list of steps, each step knowing its block, branch and line', () => {
    const e = load(
      file(`${HEAD}  - parallel:
      - { fault: drain-node, node: N2 }
      - - wait: 20s
        - { fault: kill-clussvc, node: N2 }
  - wait: 30s
`),
    );
    expect(e.method.map((s) => [s.kind, s.line, s.parallel])).to.deep.equal([
      ['fault', 8, { block: 0, branch: 0, line: 7 }],
      ['wait', 9, { block: 0, branch: 1, line: 7 }],
      ['fault', 10, { block: 0, branch: 1, line: 7 }],
      ['wait', 11, undefined],
    ]);
    const units = methodUnits(e.method);
    expect(units.map((u) => (u.kind === 'step' ? 'step' : u.branches.map((b) => b.length).join('+')))).to.deep.equal(['1+2', 'step']);
    // a step after the block starts when its longest branch has ended; each branch starts with the block
    expect(planMethod(e.method).steps.map((s) => s.startsAt)).to.deep.equal([0, 0, 20_000, 20_000]);
  });

  it('refuses a block inside a block, at its line, saying how to write it', () => {
    const lines = errorLines(
      file(`${HEAD}  - parallel:
      - { fault: kill-clussvc, node: N2 }
      - - wait: 5s
        - parallel:
            - { wait: 1s }
            - { wait: 2s }
`),
    );
    expect(lines[0]).to.match(/x\.yaml:10:11: method\[0\]\.parallel\[1\]\[1\]: expected a step .* parallel blocks do not nest, found a mapping with parallel\. Give each concurrent thing a branch of the outer block/);
  });

  it('checks the steps of every branch as it checks the method: unknown faults, nodes and VMs, at their lines', () => {
    const lines = errorLines(
      file(`${HEAD}  - parallel:
      - { fault: kil-clussvc, node: N2 }
      - - wait: 5s
        - { fault: live-migrate, vm: web02, to: N9 }
  - parallel:
      - { fault: kill-clussvc, node: N7 }
  - parallel:
      - { wait: 1s }
      - { wait: 1s }
    wait: 3s
`),
    ).join('\n');
    expect(lines).to.include(':8:18: method[0].parallel[0].fault: expected one of the catalogue\'s faults');
    expect(lines).to.include('Did you mean "kill-clussvc"?');
    expect(lines).to.include(':10:38: method[0].parallel[1][1].vm: expected one of the cluster\'s VMs (web01), found "web02"');
    expect(lines).to.include(':10:49: method[0].parallel[1][1].to: expected one of the cluster\'s nodes (N1, N2, N3), round-robin or random, found "N9"');
    expect(lines).to.include(':12:7: method[1].parallel: expected a list of at least two branches');
    expect(lines).to.include(':12:38: method[1].parallel[0].node: expected one of the cluster\'s nodes (N1, N2, N3), found "N7"');
    expect(lines).to.include(':16:5: method[2].wait: expected only "parallel" in a parallel block');
  });

  it('estimates a block as long as its longest branch, polled throughout', () => {
    const e = load(
      file(`${HEAD}  - parallel:
      - { wait: 10s }
      - [ { wait: 20s }, { wait: 20s } ]
  - wait: 5s
`),
    );
    const plan = estimatePlan(e);
    expect(plan.iterationMs).to.equal(45_000);
    // 40 polls in the block (every 1 s, the last one at its end being the next step's), 5 in the wait, 2 steady states
    expect(plan.polls).to.equal(40 + 5 + 2);
  });

  it('the shipped parallel-migrations experiment loads with its two blocks', () => {
    const units = methodUnits(load(shipped('parallel-migrations.yaml')).method);
    expect(units.map((u) => u.kind)).to.deep.equal(['parallel', 'step', 'parallel', 'step', 'step']);
  });
});
