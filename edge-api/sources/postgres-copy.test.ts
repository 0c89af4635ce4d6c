import { describe, expect, it } from 'vitest';
import { CopyOutFramer } from './postgres-copy.ts';

/** One protocol message: code, int32 length (itself included), payload. */
function message(code: string, payload: string | Buffer = ''): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(5);
  header[0] = code.charCodeAt(0);
  header.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/**
 * Feeds `chunks` (copied, since the framer compacts them in place) until the framer hands back a tail; the chunks
 * after it go to pg directly, so they join the tail.
 */
function frame(chunks: Buffer[]): { data: string; tail: string | undefined } {
  const framer = new CopyOutFramer();
  const data: Buffer[] = [];
  let tail: Buffer[] | undefined;
  for (const chunk of chunks) {
    if (tail) {
      tail.push(chunk);
      continue;
    }
    const step = framer.push(Buffer.from(chunk));
    data.push(Buffer.from(step.data));
    if (step.tail) tail = [Buffer.from(step.tail)];
  }
  return { data: Buffer.concat(data).toString(), tail: tail && Buffer.concat(tail).toString('latin1') };
}

const copyOut = message('H', Buffer.from([0, 0, 2, 0, 0, 0, 0]));
const rows = ['id,body\n', '1,"a ""quoted"" value"\n', '2,\n', '3,ünïcødé\n'];
const after = Buffer.concat([message('C', 'COPY 3\0'), message('Z', 'I')]);
const stream = Buffer.concat([copyOut, ...rows.map((r) => message('d', r)), message('N', 'notice\0'), message('d', '4,x\n'), message('c'), after]);

describe('CopyOutFramer', () => {
  it('keeps the COPY data and hands back what follows CopyDone, however the bytes are split in two', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const { data, tail } = frame([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(data, `cut at ${cut}`).toBe(rows.join('') + '4,x\n');
      expect(tail, `cut at ${cut}`).toBe(after.toString('latin1'));
    }
  });

  it('handles one byte at a time', () => {
    const bytes = Array.from(stream, (b) => Buffer.from([b]));
    const { data, tail } = frame(bytes);
    expect(data).toBe(rows.join('') + '4,x\n');
    expect(tail).toBe(after.toString('latin1'));
  });

  it('hands an ErrorResponse to pg with the data before it', () => {
    const error = message('E', 'SERROR\0C57014\0Mcanceling statement due to statement timeout\0\0');
    const { data, tail } = frame([Buffer.concat([copyOut, message('d', '1,a\n'), error, message('Z', 'I')])]);
    expect(data).toBe('1,a\n');
    expect(tail?.startsWith('E')).toBe(true);
    expect(tail).toContain('statement timeout');
  });
});
