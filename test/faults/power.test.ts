import { expect } from 'chai';
import { faults } from '../../src/faults/catalogue.js';
import { DEFAULT_RESTART_TIMEOUT_MS } from '../../src/faults/restart-node.js';
import type { Target } from '../../src/targets/target.js';
import { context } from './recording-target.js';

/** A target that records the power calls a fault makes, and nothing else. */
function powerTarget() {
  const calls: unknown[][] = [];
  const target = {
    powerOffNode: async (node: string) => void calls.push(['powerOffNode', node]),
    powerOnNode: async (node: string) => void calls.push(['powerOnNode', node]),
    restartNode: async (node: string, options: unknown) => void calls.push(['restartNode', node, options]),
  } as unknown as Target;
  return { target, calls };
}

describe('faults: power-off-node, power-on-node, restart-node', () => {
  it('power-off-node cuts the power and its revert powers the host on; it impairs the node', async () => {
    const f = faults.get('power-off-node')!;
    const { target, calls } = powerTarget();
    await f.inject(target, { node: 'N2' }, context());
    await f.revert!(target, { node: 'N2' });
    expect(calls).to.deep.equal([['powerOffNode', 'N2'], ['powerOnNode', 'N2']]);
    expect(f.impairs({ node: 'N2' })).to.deep.equal(['N2']);
  });

  it('power-on-node powers the host on; nothing to revert', async () => {
    const f = faults.get('power-on-node')!;
    const { target, calls } = powerTarget();
    await f.inject(target, { node: 'N3' }, context());
    await f.revert!(target, { node: 'N3' });
    expect(calls).to.deep.equal([['powerOnNode', 'N3']]);
  });

  it('restart-node restarts the OS with the step timeout, 20 min when the step gives none, recorded in the trace', async () => {
    const f = faults.get('restart-node')!;
    const resolved = await f.resolve!({} as Target, { node: 'N1' }, context());
    expect(resolved).to.deep.equal({ node: 'N1', timeout: DEFAULT_RESTART_TIMEOUT_MS });
    const { target, calls } = powerTarget();
    await f.inject(target, { node: 'N1', timeout: 60_000 }, context());
    expect(calls).to.deep.equal([['restartNode', 'N1', { timeoutMs: 60_000 }]]);
    expect(f.impairs({ node: 'N1' })).to.deep.equal(['N1']);
  });

  it('each takes a node and nothing else, with a duration timeout for restart-node', () => {
    expect(faults.get('power-off-node')!.params).to.deep.include({ required: ['node'], additionalProperties: false });
    expect((faults.get('restart-node')!.params as { properties: Record<string, unknown> }).properties.timeout).to.include({ format: 'duration' });
  });
});
