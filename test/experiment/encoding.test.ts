import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { errorLines, load, shipped } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'clusterchaos-encoding-'));
const text = readFileSync(shipped('compute-resiliency.yaml'), 'utf8');

describe('experiment files saved on Windows', () => {
  it('reads UTF-8 with a byte-order mark', () => {
    const file = join(dir, 'bom.yaml');
    writeFileSync(file, `\uFEFF${text}`);
    expect(load(file).title).to.match(/^Compute Resiliency/);
  });

  it("reads UTF-16LE, what Windows PowerShell's Out-File writes", () => {
    const file = join(dir, 'utf16.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    expect(load(file).title).to.match(/^Compute Resiliency/);
  });

  it('reports the same lines and columns with CRLF line endings', () => {
    const file = join(dir, 'crlf.yaml');
    writeFileSync(file, text.replace(/\n/g, '\r\n').replace('ResiliencyDefaultPeriod: 60 ', 'ResiliencyDefaultPeriod: 6O '));
    const line = text.split('\n').findIndex((l) => l.includes('ResiliencyDefaultPeriod: 60 ')) + 1;
    expect(errorLines(file)).to.deep.equal([
      `${file}:${line}:28: settings.ResiliencyDefaultPeriod: expected an integer number of seconds from 0 to 4294967295, or a duration such as 4m or 240s, found "6O". Write a whole number of seconds, or a duration: a whole number with its unit (ms, s, m or h), without spaces.`,
    ]);
  });

  it('says an empty file is not an experiment', () => {
    const file = join(dir, 'empty.yaml');
    writeFileSync(file, '');
    expect(errorLines(file)).to.deep.equal([
      `${file}: expected a mapping with title, cluster, method and the other sections of an experiment, found nothing.`,
    ]);
  });
});
