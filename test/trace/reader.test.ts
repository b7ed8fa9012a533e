/**
 * The reader reads lines of any length in time linear in the file's size, and refuses a line longer than
 * MAX_LINE_BYTES as bad input naming the file and the line, having read no more than that line's first 16 MiB.
 */
import { expect } from 'chai';
import { closeSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_LINE_BYTES, readTrace, TraceFormatError, type ReadRecord } from '../../src/trace/reader.js';
import { TraceBuilder } from '../helpers/trace.js';

const dir = mkdtempSync(join(tmpdir(), 'reader-'));
let files = 0;

/** A file of these pieces, written one after the other (a piece may be large: nothing joins them in memory). */
function file(...pieces: (string | Buffer)[]): string {
  const path = join(dir, `${files++}.ndjson`);
  const fd = openSync(path, 'w');
  for (const p of pieces) writeSync(fd, typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
  closeSync(fd);
  return path;
}

async function readAll(path: string): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  for await (const r of readTrace(path)) out.push(r);
  return out;
}

async function failure(path: string): Promise<TraceFormatError> {
  try {
    await readAll(path);
  } catch (e) {
    if (e instanceof TraceFormatError) return e;
    throw e;
  }
  throw new Error(`${path} was read without an error`);
}

const header = JSON.stringify(new TraceBuilder().header);

/** An event record whose message is `length` bytes of `x`, as a line with its LF. */
function event(seq: number, length: number): Buffer {
  const head = Buffer.from(`{"type":"event","t":${seq},"node":"N1","log":"System","provider":"p","id":1,"level":"Information","time":"2026-01-01T00:00:00Z","seq":${seq},"message":"`);
  return Buffer.concat([head, Buffer.alloc(length, 'x'), Buffer.from('"}\n')]);
}

describe('reading long lines', function () {
  this.timeout(60_000);

  it('reads a line just under the limit whole: an event with a 15 MiB message', async () => {
    const records = await readAll(file(header + '\n', event(1, 15 * 2 ** 20)));
    expect(records).to.have.length(2);
    expect(records[1]!.line).to.equal(2);
    expect((records[1]!.record as { message: string }).message.length).to.equal(15 * 2 ** 20);
  });

  it('reads in linear time: the bytes of a 15 MiB line are copied once, not once per read buffer (a 40 MB line took 18 s)', async () => {
    // What made reading quadratic was joining the line so far with every new read buffer (256 KiB): a 15 MiB
    // line was copied 60 times over, about 470 MB. Counted, not timed (timings live in bench/).
    const path = file(header + '\n', event(1, 15 * 2 ** 20));
    const concat = Buffer.concat;
    let copied = 0;
    Buffer.concat = ((list: readonly Uint8Array[], length?: number) => {
      const joined = concat(list, length);
      copied += joined.length;
      return joined;
    }) as typeof Buffer.concat;
    try {
      expect(await readAll(path)).to.have.length(2);
    } finally {
      Buffer.concat = concat;
    }
    expect(copied).to.be.within(15 * 2 ** 20, 16 * 2 ** 20);
  });

  it(`refuses a line longer than ${MAX_LINE_BYTES / 2 ** 20} MiB as bad input naming the file and the line, without reading the rest of it`, async () => {
    // 64 MiB of one line (the old reader took about 40 s over it, and then accepted it)
    const chunk = Buffer.alloc(2 ** 20, 'x');
    const path = file(header + '\n', event(1, 10), '{"type":"event","message":"', ...Array.from({ length: 64 }, () => chunk), '"}\n', event(3, 10));
    const t0 = performance.now();
    const e = await failure(path);
    expect(performance.now() - t0).to.be.below(10_000);
    expect(e.line).to.equal(3);
    expect(e.message).to.match(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: the line is longer than 16 MiB, the most a trace line may be`));
  });

  it('refuses a last line without a line break that is longer than the limit, too', async () => {
    const e = await failure(file(header + '\n', Buffer.alloc(MAX_LINE_BYTES + 1, 'x')));
    expect(e.line).to.equal(2);
  });

  it('counts lines across chunk boundaries whatever ends them: a CR at the end of one chunk and its LF at the start of the next are one line break', async () => {
    // the read buffer is 256 KiB: put the CRLF of the second line exactly across it
    const first = Buffer.from(header + '\n');
    const second = event(1, 256 * 1024 - first.length - 160);
    const pad = 256 * 1024 - first.length - second.length;
    const line2 = Buffer.concat([second.subarray(0, second.length - 3), Buffer.alloc(pad, 'y'), Buffer.from('"}\r')]);
    expect(first.length + line2.length).to.equal(256 * 1024);
    const records = await readAll(file(first, line2, '\n', event(2, 5), '\r', event(3, 5)));
    // LF then CR is two line breaks (an empty line 4), as readline reads it
    expect(records.map((r) => r.line)).to.deep.equal([1, 2, 3, 5]);
    expect(records[1]!.text.endsWith('y"}')).to.equal(true);
  });
});
