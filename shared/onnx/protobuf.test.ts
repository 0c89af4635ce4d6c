// The wire format against protobuf's documented encodings (developers.google.com/protocol-buffers/docs/encoding).
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './protobuf.ts';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

describe('ProtoWriter', () => {
  it('writes the documented examples: varint 150 in field 1, the string "testing" in field 2', () => {
    expect(hex(new ProtoWriter().varint(1, 150).finish())).toBe('08 96 01');
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('12 07 74 65 73 74 69 6e 67');
  });

  it('writes a negative int64 as ten bytes of two\'s complement, and 2^53 exactly', () => {
    expect(hex(new ProtoWriter().varint(3, -1).finish())).toBe('18 ff ff ff ff ff ff ff ff ff 01');
    expect(hex(new ProtoWriter().varint(1, 2n ** 53n).finish())).toBe('08 80 80 80 80 80 80 80 10');
  });

  it('nests messages and packs repeated varints behind their byte length', () => {
    const bytes = new ProtoWriter().message(3, (m) => m.varint(1, 150)).packedVarints(4, [3, 270, 86942]).finish();
    expect(hex(bytes)).toBe('1a 03 08 96 01 22 06 03 8e 02 9e a7 05');
  });

  it('writes a float as little-endian fixed32, and grows past its first buffer', () => {
    expect(hex(new ProtoWriter().float(2, 1.5).finish())).toBe('15 00 00 c0 3f');
    const big = new Uint8Array(1000).fill(7);
    const bytes = new ProtoWriter().bytes(1, big).finish();
    expect(bytes.length).toBe(1 + 2 + 1000);
    expect(bytes[bytes.length - 1]).toBe(7);
  });
});
