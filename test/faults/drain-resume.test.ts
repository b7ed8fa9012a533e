import { expect } from 'chai';
import { faults } from '../../src/faults/catalogue.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, drainNode } from '../../src/faults/drain-node.js';
import { resumeNode } from '../../src/faults/resume-node.js';
import { context, recordingTarget } from './recording-target.js';

const nodes = ['N1', 'N2', 'N3'];

describe('drain-node', () => {
  it('is in the catalogue and impairs the node it drains', () => {
    expect(faults.get('drain-node')).to.equal(drainNode);
    expect(drainNode.impairs({ node: 'N2' })).to.deep.equal(['N2']);
    expect(drainNode.summary).to.match(/Suspend-ClusterNode -Drain/);
  });

  it('drains with Suspend-ClusterNode -Drain -Wait, giving up after 10 minutes unless told otherwise', async () => {
    expect(DEFAULT_DRAIN_TIMEOUT_MS).to.equal(600_000);
    const { target, calls } = recordingTarget({ nodes, owners: {} });
    const params = await drainNode.resolve!(target, { node: 'N2' }, context());
    expect(params).to.deep.equal({ node: 'N2', timeout: 600_000 });
    const value = await drainNode.inject(target, params, context());
    await drainNode.inject(target, { node: 'N3', timeout: 1_800_000 }, context());
    expect(calls).to.deep.equal([
      ['suspendNode', 'N2', { drain: true, timeoutMs: 600_000 }],
      ['suspendNode', 'N3', { drain: true, timeoutMs: 1_800_000 }],
    ]);
    expect(value).to.deep.equal({ node: 'N2', totalMs: 1000, migrations: [] });
  });

  it('drains and fails back over the transport the step names, recording it in the trace', async () => {
    const { target, calls } = recordingTarget({ nodes, owners: {} });
    const drain = await drainNode.resolve!(target, { node: 'N2', transport: 'SMBDirect' }, context());
    expect(drain).to.deep.equal({ node: 'N2', timeout: 600_000, transport: 'SMBDirect' });
    await drainNode.inject(target, drain, context());
    const back = await resumeNode.resolve!(target, { node: 'N2', transport: 'TCPIP' }, context());
    await resumeNode.inject(target, back, context());
    expect(calls).to.deep.equal([
      ['suspendNode', 'N2', { drain: true, timeoutMs: 600_000, transport: 'SMBDirect' }],
      ['resumeNode', 'N2', { failback: true, transport: 'TCPIP' }],
    ]);
  });

  it('reverts with Resume-ClusterNode without failback, as often as it is asked', async () => {
    const { target, calls } = recordingTarget({ nodes, owners: {} });
    await drainNode.revert!(target, { node: 'N2' });
    await drainNode.revert!(target, { node: 'N2' });
    expect(calls).to.deep.equal([
      ['resumeNode', 'N2', { failback: false }],
      ['resumeNode', 'N2', { failback: false }],
    ]);
  });
});

describe('resume-node', () => {
  it('is in the catalogue, impairs nothing and has nothing to revert', () => {
    expect(faults.get('resume-node')).to.equal(resumeNode);
    expect(resumeNode.impairs({ node: 'N2' })).to.deep.equal([]);
    expect(resumeNode.revert).to.equal(undefined);
  });

  it('resumes with -Failback Immediate by default, and records that it did', async () => {
    const { target, calls } = recordingTarget({ nodes, owners: {} });
    const params = await resumeNode.resolve!(target, { node: 'N2' }, context());
    expect(params).to.deep.equal({ node: 'N2', failback: true });
    await resumeNode.inject(target, params, context());
    expect(calls).to.deep.equal([['resumeNode', 'N2', { failback: true }]]);
  });

  it('resumes without failback when told, passing a timeout through', async () => {
    const { target, calls } = recordingTarget({ nodes, owners: {} });
    const params = await resumeNode.resolve!(target, { node: 'N2', failback: false, timeout: 60_000 }, context());
    expect(params).to.deep.equal({ node: 'N2', failback: false, timeout: 60_000 });
    await resumeNode.inject(target, params, context());
    expect(calls).to.deep.equal([['resumeNode', 'N2', { failback: false, timeoutMs: 60_000 }]]);
  });
});
