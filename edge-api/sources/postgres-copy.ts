// `COPY … TO STDOUT` as a Readable of the raw COPY bytes, submitted to a node-postgres client like any query.
//
// pg-copy-streams does the same, but copies every CopyData message (one per row) into its own Buffer before joining
// them again: on 2M rows that was ~2M small Buffers, and the garbage collector took a third of the materializing
// process's JavaScript time. Here each socket chunk is compacted in place — the 5-byte message headers squeezed
// out — and pushed as one Buffer, so the cost is one memmove per chunk whatever the row count.
import type { Connection } from 'pg';
import { Readable } from 'node:stream';

const CODE = {
  copyData: 0x64, // d
  copyOutResponse: 0x48, // H
  errorResponse: 0x45, // E
  // Asynchronous messages the server may send in the middle of a COPY (protocol-flow.html#PROTOCOL-COPY).
  noticeResponse: 0x4e, // N
  notificationResponse: 0x41, // A
  parameterStatus: 0x53, // S
} as const;

const HEADER_BYTES = 5;

export type FramerStep =
  /** The COPY data found in the chunk (possibly empty); `tail`, when set, is what follows the COPY and belongs to pg. */
  { data: Buffer; tail?: Buffer };

/**
 * Splits PostgreSQL protocol bytes during COPY OUT into the COPY data and the tail after it (CommandComplete,
 * ReadyForQuery, or an ErrorResponse), across arbitrary chunk boundaries. Chunks are compacted in place.
 */
export class CopyOutFramer {
  private code = 0;
  private remaining = 0;
  private inMessage = false;
  private carry: Buffer | undefined;

  push(input: Buffer): FramerStep {
    const chunk = this.carry ? Buffer.concat([this.carry, input]) : input;
    this.carry = undefined;
    let read = 0;
    let written = 0;
    while (read < chunk.length) {
      if (!this.inMessage) {
        if (chunk.length - read < HEADER_BYTES) {
          this.carry = Buffer.from(chunk.subarray(read));
          break;
        }
        const code = chunk[read];
        // An error (or the end of the COPY) is pg's to parse: hand it everything from this message on.
        if (code === CODE.errorResponse) return { data: chunk.subarray(0, written), tail: chunk.subarray(read) };
        this.code = code;
        this.remaining = chunk.readUInt32BE(read + 1) - 4;
        this.inMessage = true;
        read += HEADER_BYTES;
      }
      const n = Math.min(this.remaining, chunk.length - read);
      if (this.code === CODE.copyData) {
        if (written !== read) chunk.copy(chunk, written, read, read + n);
        written += n;
      }
      read += n;
      this.remaining -= n;
      if (this.remaining === 0) {
        this.inMessage = false;
        if (!continuesCopy(this.code)) return { data: chunk.subarray(0, written), tail: chunk.subarray(read) };
      }
    }
    return { data: chunk.subarray(0, written) };
  }
}

function continuesCopy(code: number): boolean {
  return (
    code === CODE.copyData || code === CODE.copyOutResponse || code === CODE.noticeResponse ||
    code === CODE.notificationResponse || code === CODE.parameterStatus
  );
}

type ConnectionWithStream = Connection & { stream: Readable };
type DataHandler = (chunk: Buffer) => void;

/** A node-postgres Submittable: `client.query(new CopyToStream(sql))` streams the COPY's output. */
export class CopyToStream extends Readable {
  readonly text: string;
  rowCount = 0;
  private readonly framer = new CopyOutFramer();
  private connection: ConnectionWithStream | undefined;
  private pgDataHandler: DataHandler | undefined;
  private wantsData = false;
  private forwarding = false;
  private finished = false;
  private readonly onReadable = () => this.forward();

  constructor(text: string) {
    super({ highWaterMark: 1024 * 1024 });
    this.text = text;
  }

  /** Takes the socket over from pg's parser for the COPY's duration (pg calls this). */
  submit(connection: Connection): void {
    const c = connection as ConnectionWithStream;
    this.connection = c;
    const handlers = c.stream.listeners('data') as DataHandler[];
    if (handlers.length !== 1) throw new Error(`expected pg's one socket data listener, found ${handlers.length}`);
    this.pgDataHandler = handlers[0];
    c.stream.removeListener('data', this.pgDataHandler);
    c.stream.pause();
    c.stream.on('readable', this.onReadable);
    c.query(this.text);
  }

  override _read(): void {
    this.wantsData = true;
    this.forward();
  }

  private forward(): void {
    if (this.forwarding || !this.wantsData || !this.connection || this.finished) return;
    this.forwarding = true;
    while (this.wantsData && !this.finished) {
      const chunk = this.connection.stream.read() as Buffer | null;
      if (chunk === null) break;
      const { data, tail } = this.framer.push(chunk);
      if (data.length > 0) this.wantsData = this.push(data);
      if (tail) this.handBack(tail);
    }
    this.forwarding = false;
  }

  /** Gives the socket back to pg with the bytes after the COPY, which pg parses as usual. */
  private handBack(tail: Buffer): void {
    this.finished = true;
    const stream = this.connection!.stream;
    stream.removeListener('readable', this.onReadable);
    stream.on('data', this.pgDataHandler!);
    this.pgDataHandler!(tail);
    // pg's handler may pause the socket; resume once it has returned.
    process.nextTick(() => stream.resume());
  }

  // pg calls these as it parses the messages after the COPY.
  handleCommandComplete(message: { text?: string }): void {
    const match = /COPY (\d+)/.exec(message?.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {
    this.push(null);
  }

  handleError(error: Error): void {
    this.destroy(error);
  }
}
