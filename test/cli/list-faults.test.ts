import { expect } from 'chai';
import { faults } from '../../src/faults/catalogue.js';
import { paramListing, typeOf } from '../../src/faults/describe.js';
import { cli } from '../helpers/cli.js';

describe('clusterchaos list faults: every fault with every parameter, its kind and meaning (issue 14, "Done when")', () => {
  it('shows the lab faults of issue 14 with their parameters, required ones marked', () => {
    const r = cli(['list', 'faults']);
    expect(r.code).to.equal(0);
    const block = (name: string): string => {
      const lines = r.stdout.split('\n');
      const at = lines.findIndex((l) => l.startsWith(`${name} `));
      expect(at, `${name} is listed`).to.be.greaterThan(-1);
      const end = lines.findIndex((l, i) => i > at && /^\S/.test(l));
      return lines.slice(at, end === -1 ? undefined : end).join('\n');
    };
    expect(block('power-off-node')).to.match(/\n {4}node\s+required, text: The node whose host loses power/);
    expect(block('power-on-node')).to.match(/\n {4}node\s+required/);
    expect(block('restart-node')).to.match(/\n {4}timeout\s+optional, duration \(e\.g\. 500ms, 90s, 2m, 1h\): .*default 20m/);
    expect(block('fail-storage-path')).to.match(/\n {4}storage\s+required/).and.to.match(/\n {4}node\s+required/);
    expect(block('fail-storage')).to.match(/\n {4}duration\s+required, duration/);
    expect(block('fail-witness')).to.match(/\n {4}duration\s+required, duration/);
    expect(block('isolate-network')).to.match(/\n {4}network\s+optional, text/).and.to.match(/\n {4}peers\s+optional, list of text/);
    expect(block('drain-node')).to.match(/\n {4}transport\s+optional, TCPIP, Compression, SMB or SMBDirect/);
  });

  it('gives every parameter of every fault a meaning a user can read', () => {
    const mute = [...faults.values()].flatMap((f) => paramListing(f).filter((p) => p.description.trim().length < 10).map((p) => `${f.name}.${p.name}`));
    expect(mute).to.deep.equal([]);
  });

  it('says each kind of value as it is written in YAML', () => {
    expect(typeOf({ type: 'string', format: 'duration' })).to.match(/^duration/);
    expect(typeOf({ enum: ['High', 'Low'] })).to.equal('High | Low');
    expect(typeOf({ type: 'array', items: { type: 'string' } })).to.equal('list of text');
    expect(typeOf({ type: 'integer', minimum: 1 })).to.equal('whole number (≥ 1)');
    expect(typeOf({ type: 'boolean' })).to.equal('true | false');
  });
});
