import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { readCredential } from '../../src/cli/credentials.js';
import { UsageError } from '../../src/cli/out-dir.js';

/** A terminal stand-in: what is written to it, and what it reads. */
function streams(text: string) {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = '';
  output.on('data', (d) => (written += d));
  input.end(text);
  return { input: input as unknown as NodeJS.ReadStream, output: output as unknown as NodeJS.WriteStream, written: () => written };
}

describe('credentials for --target powershell', () => {
  it('takes CLUSTERCHAOS_USERNAME and CLUSTERCHAOS_PASSWORD together, or neither (the signed-in user)', async () => {
    expect(await readCredential(undefined, { CLUSTERCHAOS_USERNAME: 'LAB\\chaos', CLUSTERCHAOS_PASSWORD: 'pw' })).to.deep.equal({ username: 'LAB\\chaos', password: 'pw' });
    expect(await readCredential(undefined, {})).to.equal(undefined);
  });

  it('refuses half a credential (an empty password counts as none), naming both variables', async () => {
    for (const env of [{ CLUSTERCHAOS_USERNAME: 'LAB\\chaos' }, { CLUSTERCHAOS_PASSWORD: 'pw' }, { CLUSTERCHAOS_USERNAME: 'LAB\\chaos', CLUSTERCHAOS_PASSWORD: '' }]) {
      const e = await readCredential(undefined, env).catch((x: unknown) => x);
      expect(e, JSON.stringify(env)).to.be.instanceOf(UsageError);
      expect((e as Error).message).to.match(/CLUSTERCHAOS_USERNAME and CLUSTERCHAOS_PASSWORD go together/);
    }
  });

  it('--credential prompt asks for both and never writes the password back', async () => {
    const s = streams('LAB\\chaos\nS3cret!\n');
    expect(await readCredential('prompt', {}, s.input, s.output)).to.deep.equal({ username: 'LAB\\chaos', password: 'S3cret!' });
    expect(s.written()).to.contain('user name').and.to.contain('password for LAB\\chaos').and.not.to.contain('S3cret!');
  });

  it('--credential prompt refuses an empty user name', async () => {
    const s = streams('\n\n');
    const e = await readCredential('prompt', {}, s.input, s.output).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(UsageError);
  });
});
