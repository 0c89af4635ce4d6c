// `COPY … TO STDOUT` submitted to a node-postgres client like any query, its bytes read straight off the socket.
//
// pg-copy-streams does the same, but copies every CopyData message (one per row) into its own Buffer before joining
// them again: on 2M rows that was ~2M small Buffers, and the garbage collector took a third of the materializing
// process's JavaScript time. Here each socket chunk is compacted in place — the 5-byte message headers squeezed
// out — so the cost is one memmove per chunk whatever the row count. The socket (CopySocket) reads into one reused
// buffer, and `pipeTo` copies the rows into a bounded queue of reused slabs in front of a pipe: no Buffer is
// allocated per read, which on the 2M-row benchmark (215 MB of CSV) had set off ~10 full garbage collections.
import type { Connection } from 'pg';
import { Socket } from 'node:net';
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
        if (written !== read) chunk.copyWithin(written, read, read + n);
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

/** The most one socket read brings: the size of CopySocket's one read buffer. */
const READ_BYTES = 256 * 1024;
/** pipeTo's queue: PostgreSQL may run this far ahead of the pipe's reader. */
const QUEUE_BYTES = 32 * 1024 * 1024;
const SLAB_BYTES = 1024 * 1024;

/**
 * A TCP socket for node-postgres (`new pg.Client({ stream: () => new CopySocket() })`) whose reads all land in one
 * reused buffer instead of a fresh Buffer each. While a COPY runs its reader takes the bytes (`sink`); otherwise they
 * are copied out and emitted as 'data' for pg's parser, which may keep them. Not for TLS, which reads the socket itself.
 */
export class CopySocket extends Socket {
  /** Takes the bytes while a COPY runs; they are valid only during the call. Returning false pauses reading. */
  sink: ((bytes: Buffer) => boolean) | undefined;

  constructor() {
    const route: { to?: CopySocket } = {};
    super({ onread: { buffer: Buffer.allocUnsafe(READ_BYTES), callback: (n, buffer) => route.to!.received(buffer.subarray(0, n) as Buffer) } });
    route.to = this;
  }

  private received(bytes: Buffer): boolean {
    if (this.sink) return this.sink(bytes);
    this.emit('data', Buffer.from(bytes));
    return true;
  }
}

type ConnectionWithStream = Connection & { stream: Socket };

/**
 * A node-postgres Submittable on a CopySocket: `client.query(new CopyToStream(sql))` streams the COPY's output, as a
 * Readable or, after `pipeTo(pipe)`, into a pipe.
 */
export class CopyToStream extends Readable {
  readonly text: string;
  rowCount = 0;
  private readonly framer = new CopyOutFramer();
  private socket: CopySocket | undefined;
  private queue: PipeQueue | undefined;
  private copyEnded = false;

  constructor(text: string) {
    super({ highWaterMark: 1024 * 1024 });
    this.text = text;
  }

  /** Takes the socket's bytes over from pg's parser for the COPY's duration (pg calls this). */
  submit(connection: Connection): void {
    const socket = (connection as ConnectionWithStream).stream;
    // Checked by shape: the client must have been made with `stream: () => new CopySocket()`.
    if (!('sink' in socket)) throw new Error('CopyToStream needs a client whose stream is a CopySocket');
    this.socket = socket as CopySocket;
    this.socket.sink = (bytes) => this.received(bytes);
    // Nothing is read until a consumer asks (_read, pipeTo): an error must not be emitted before anyone listens.
    this.socket.pause();
    connection.query(this.text);
  }

  /**
   * Sends the COPY's bytes into a pipe instead of emitting them, through a bounded queue: PostgreSQL keeps sending
   * while the pipe's reader is busy, up to QUEUE_BYTES ahead, and while the pipe is still opening. The pipe (a socket
   * on a pipe or file) must be done with a chunk when the chunk's write callback runs. `onData` sees every chunk of
   * rows on the way; throwing stops the COPY. Ends the pipe when the COPY ends; rejects when the COPY or the pipe
   * fails, only once the pipe has opened (so a caller may first release an open waiting for its reader).
   */
  pipeTo(pipe: Promise<Socket>, onData?: (rows: Buffer) => void): Promise<void> {
    const queue = new PipeQueue(pipe, () => this.socket?.resume(), onData);
    this.queue = queue;
    this.on('error', (error) => queue.fail(error));
    // What arrived before this call waits in the Readable's buffer: it goes first.
    for (let chunk = this.read() as Buffer | null; chunk !== null; chunk = this.read() as Buffer | null) queue.add(chunk);
    // Flowing with an empty buffer, so the end of the COPY ends the Readable too ('end', readableEnded).
    this.resume();
    if (this.destroyed) queue.fail(this.errored ?? new Error('the COPY stream was closed'));
    else if (this.copyEnded) queue.end();
    else this.socket?.resume();
    return queue.done;
  }

  override _read(): void {
    this.socket?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Destroyed after its end (autoDestroy) the queue still finishes writing; before it, the pipe is cut.
    if (error || !this.copyEnded) this.queue?.fail(error ?? new Error('the COPY stream was closed'));
    callback(error);
  }

  private received(chunk: Buffer): boolean {
    const { data, tail } = this.framer.push(chunk);
    let more = true;
    try {
      // The chunk is the socket's reused buffer: whatever is kept is copied out now.
      if (data.length > 0) more = this.queue ? this.queue.add(data) : this.push(Buffer.from(data));
    } catch (error) {
      this.destroy(error as Error);
      return false;
    }
    if (tail) {
      this.handBack(tail);
      return true;
    }
    return more;
  }

  /** Gives the socket back to pg with the bytes after the COPY, which pg parses as usual. */
  private handBack(tail: Buffer): void {
    const socket = this.socket!;
    socket.sink = undefined;
    socket.emit('data', Buffer.from(tail));
  }

  // pg calls these as it parses the messages after the COPY.
  handleCommandComplete(message: { text?: string }): void {
    const match = /COPY (\d+)/.exec(message?.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {
    this.copyEnded = true;
    this.queue?.end();
    this.push(null);
  }

  handleError(error: Error): void {
    this.destroy(error);
  }
}

/**
 * A bounded byte queue in front of a pipe: bytes are copied into slabs carved from one allocation, a slab is written
 * when full (or at once when the pipe is idle), and returns to the free list when its write completes. `add` answers
 * false when there is no longer room for a whole socket read, and `resume` is called once there is again.
 */
class PipeQueue {
  readonly done: Promise<void>;
  private readonly opening: Promise<void>;
  private readonly resume: () => void;
  private readonly onData: ((rows: Buffer) => void) | undefined;
  private pipe: Socket | undefined;
  private readonly free: Buffer[] = [];
  /** Filled slabs waiting for the pipe to open. */
  private readonly waiting: Buffer[] = [];
  private current: Buffer | undefined;
  private filled = 0;
  private writing = 0;
  private paused = false;
  private ending = false;
  private closing = false;
  private settled = false;
  private resolve!: () => void;
  private reject!: (error: unknown) => void;

  constructor(pipe: Promise<Socket>, resume: () => void, onData?: (rows: Buffer) => void) {
    this.resume = resume;
    this.onData = onData;
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const memory = Buffer.allocUnsafeSlow(QUEUE_BYTES);
    for (let at = 0; at < QUEUE_BYTES; at += SLAB_BYTES) this.free.push(memory.subarray(at, at + SLAB_BYTES));
    this.opening = pipe.then(
      (opened) => {
        this.pipe = opened;
        opened.on('error', (error) => this.fail(error));
        if (this.settled) return void opened.destroy();
        for (const slab of this.waiting.splice(0)) this.write(slab);
        if (this.writing === 0) this.flush();
        this.finishIfDone();
      },
      (error: unknown) => this.fail(error),
    );
  }

  add(data: Buffer): boolean {
    if (this.settled) return false;
    this.onData?.(data);
    for (let at = 0; at < data.length; ) {
      // There is always a free slab here: reading stops while less than a whole read's room is left.
      this.current ??= this.free.pop()!;
      const n = data.copy(this.current, this.filled, at);
      this.filled += n;
      at += n;
      if (this.filled === SLAB_BYTES) this.flush();
    }
    // An idle pipe gets what there is now rather than when a slab fills: its reader is waiting for it.
    if (this.pipe && this.writing === 0) this.flush();
    this.paused = this.room() < READ_BYTES;
    return !this.paused;
  }

  end(): void {
    this.ending = true;
    this.flush();
    this.finishIfDone();
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    // A pipe still opening waits for its reader: it is closed once open, and only then is the failure reported.
    void this.opening.then(() => {
      this.pipe?.destroy();
      this.reject(error);
    });
  }

  private room(): number {
    return this.free.length * SLAB_BYTES + (this.current ? SLAB_BYTES - this.filled : 0);
  }

  private flush(): void {
    if (!this.current || this.filled === 0 || this.settled) return;
    const bytes = this.current.subarray(0, this.filled);
    this.current = undefined;
    this.filled = 0;
    if (this.pipe) this.write(bytes);
    else this.waiting.push(bytes);
  }

  private write(bytes: Buffer): void {
    this.writing++;
    this.pipe!.write(bytes, (error) => {
      this.writing--;
      if (error) return this.fail(error);
      // The slab is whole again: `bytes` is a view of its start.
      this.free.push(Buffer.from(bytes.buffer, bytes.byteOffset, SLAB_BYTES));
      if (this.writing === 0) this.flush();
      if (this.paused && this.room() >= READ_BYTES) {
        this.paused = false;
        this.resume();
      }
      this.finishIfDone();
    });
  }

  private finishIfDone(): void {
    if (!this.ending || !this.pipe || this.writing > 0 || this.closing || this.settled) return;
    this.closing = true;
    this.pipe.end(() => {
      if (this.settled) return;
      this.settled = true;
      this.resolve();
    });
  }
}
