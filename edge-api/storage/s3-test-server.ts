// A real S3 protocol server (s3rver) on 127.0.0.1 with a random free port and a temp folder, for tests and benchmarks.
import S3rver from 's3rver';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3StoreOptions } from './s3.ts';

export type S3TestServer = { options: S3StoreOptions; stop: () => Promise<void> };

export async function startS3TestServer(bucket = 'reef-test'): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'reef-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    // s3rver accepts its documented default key pair.
    options: { bucket, endpoint: `http://127.0.0.1:${port}`, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1' },
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
