// Any S3-compatible store (AWS, MinIO, R2, s3rver in tests). Uploads go through lib-storage, which switches to a
// multipart upload for large bodies; an S3 object becomes visible only when its upload completes, so readers never
// see half an object.
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BuildMiddleware, MetadataBearer } from '@aws-sdk/types';
import { Readable } from 'node:stream';
import { assertValidKey, notFound, ObjectStoreError, readAll } from './index.ts';
import type { ByteRange, ObjectInfo, ObjectStore, PutBody } from './index.ts';

export type S3StoreOptions = {
  bucket: string;
  region?: string;
  /** For S3-compatible stores (MinIO, R2, s3rver); omit for AWS. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Every key is stored under this prefix, e.g. 'reef/'. */
  prefix?: string;
  /** Bytes per multipart part (min 5 MiB); memory held per upload is about partSize × queueSize. */
  partSize?: number;
  queueSize?: number;
};

const DELETE_BATCH = 1000;

export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3';
  readonly bucket: string;
  readonly client: S3Client;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.queueSize = options.queueSize ?? 4;
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      endpoint: options.endpoint,
      // Path-style URLs work with every S3-compatible server; virtual-host style needs DNS per bucket.
      forcePathStyle: true,
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
      // Without these the SDK sends streamed bodies aws-chunked with trailing checksums, which S3-compatible
      // servers such as s3rver store verbatim as the object's content.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.client.middlewareStack.add(unsignedPayload, { step: 'build', name: 'reefUnsignedPayload' });
  }

  async put(key: string, body: PutBody, options?: { contentType?: string }): Promise<{ bytes: number }> {
    let bytes = 0;
    let sourceError: unknown;
    const counted = Readable.from(
      countBytes(toChunks(body), (n) => (bytes += n), (error) => (sourceError = error)),
    );
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.fullKey(key), Body: counted, ContentType: options?.contentType },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      await this.call(() => upload.done(), key);
    } catch (error) {
      // When the body fails, the upload is aborted; report why the body failed, not how the abort went.
      throw sourceError ?? error;
    }
    return { bytes };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    if (range?.length === 0) return Readable.from([]);
    const header = range ? `bytes=${range.offset}-${range.length === undefined ? '' : range.offset + range.length - 1}` : undefined;
    const response = await this.call(
      () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), Range: header })),
      key,
    );
    const body = response.Body as Readable;
    if (!range) return body;
    // Some servers answer a range with more than was asked (s3rver sends the whole object for `bytes=0-0`, others
    // ignore Range entirely): trust Content-Range over the request and cut the asked range out of what came back.
    const returned = /^bytes (\d+)-(\d+)\//.exec(response.ContentRange ?? '');
    const returnedStart = returned ? Number(returned[1]) : 0;
    const returnedLength = returned ? Number(returned[2]) - returnedStart + 1 : Infinity;
    if (returnedStart === range.offset && (range.length === undefined || returnedLength === range.length)) return body;
    return Readable.from(sliceStream(body, { offset: range.offset - returnedStart, length: range.length }));
  }

  async getBytes(key: string, range?: ByteRange): Promise<Uint8Array> {
    return readAll(await this.get(key, range));
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const response = await this.call(
        () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) })),
        key,
      );
      return { key, size: response.ContentLength ?? 0, lastModified: response.LastModified ?? new Date(0) };
    } catch (error) {
      if ((error as ObjectStoreError).code === 'OBJECT_NOT_FOUND') return null;
      throw error;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const found: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(
        () =>
          this.client.send(
            new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }),
          ),
        prefix,
      );
      for (const object of page.Contents ?? []) {
        found.push({
          key: object.Key!.slice(this.prefix.length),
          size: object.Size ?? 0,
          lastModified: object.LastModified ?? new Date(0),
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) })), key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    for (let i = 0; i < objects.length; i += DELETE_BATCH) {
      const batch = objects.slice(i, i + DELETE_BATCH).map((o) => ({ Key: this.fullKey(o.key) }));
      await this.call(
        () => this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch, Quiet: true } })),
        prefix,
      );
    }
    return objects.length;
  }

  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }), {
      expiresIn: expiresInSeconds,
    });
  }

  private fullKey(key: string): string {
    assertValidKey(key);
    return this.prefix + key;
  }

  /** Runs an S3 call, turning "no such key" and network failures into ObjectStoreErrors with a code. */
  private async call<T>(send: () => Promise<T>, key: string): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const name = (error as { name?: string }).name;
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (name === 'NoSuchBucket') throw this.unavailable(error);
      if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) throw notFound(key, `s3://${this.bucket}/${this.prefix}`);
      const code = (error as { code?: string }).code;
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'ECONNRESET') {
        throw this.unavailable(error);
      }
      throw error;
    }
  }

  private unavailable(error: unknown): ObjectStoreError {
    return new ObjectStoreError(
      'OBJECT_STORE_UNAVAILABLE',
      `The object store s3://${this.bucket} could not be reached (${(error as Error).message}); check S3_ENDPOINT, S3_BUCKET and the credentials.`,
      { cause: error },
    );
  }
}

/**
 * Signs uploads without hashing their bodies (`x-amz-content-sha256: UNSIGNED-PAYLOAD`, which S3 accepts):
 * SHA-256 over every uploaded byte was ~0.5 CPU-s of a 2M-row materialization. TCP and Content-Length still
 * guard the transfer; the request itself stays signed.
 */
const unsignedPayload: BuildMiddleware<object, MetadataBearer> = (next) => (args) => {
  const request = args.request as { headers?: Record<string, string>; method?: string };
  if (request.headers && (request.method === 'PUT' || request.method === 'POST')) {
    request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  }
  return next(args);
};

async function* toChunks(body: PutBody): AsyncIterable<Uint8Array> {
  if (typeof body === 'string') yield Buffer.from(body);
  else if (body instanceof Uint8Array) yield body;
  else for await (const chunk of body) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

async function* countBytes(
  chunks: AsyncIterable<Uint8Array>,
  add: (n: number) => void,
  failed: (error: unknown) => void,
): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of chunks) {
      add(chunk.byteLength);
      yield chunk;
    }
  } catch (error) {
    failed(error);
    throw error;
  }
}

async function* sliceStream(body: AsyncIterable<Uint8Array>, range: ByteRange): AsyncIterable<Uint8Array> {
  const end = range.length === undefined ? Infinity : range.offset + range.length;
  let position = 0;
  for await (const chunk of body) {
    const from = Math.max(range.offset - position, 0);
    const to = Math.min(end - position, chunk.byteLength);
    if (to > from) yield chunk.subarray(from, to);
    position += chunk.byteLength;
    if (position >= end) break;
  }
}
