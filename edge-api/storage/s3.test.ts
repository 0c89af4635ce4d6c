import { afterAll, beforeAll, expect, it } from 'vitest';
import { S3ObjectStore } from './s3.ts';
import { startS3TestServer } from './s3-test-server.ts';
import type { S3TestServer } from './s3-test-server.ts';
import { describeObjectStore } from './store-suite.ts';

let server: S3TestServer;
let storeCount = 0;
beforeAll(async () => {
  server = await startS3TestServer();
});
afterAll(async () => {
  await server?.stop();
});

// Each test gets its own key prefix in the one bucket; 5 MiB parts so the 13 MiB case is a real multipart upload.
describeObjectStore('S3 (s3rver)', async () => new S3ObjectStore({ ...server.options, prefix: `t${storeCount++}/`, partSize: 5 * 1024 * 1024 }));

it('s3: an unreachable endpoint is OBJECT_STORE_UNAVAILABLE with a hint', async () => {
  const store = new S3ObjectStore({ ...server.options, endpoint: 'http://127.0.0.1:9', prefix: 'x/' });
  store.client.config.maxAttempts = async () => 1;
  await expect(store.head('a')).rejects.toMatchObject({ code: 'OBJECT_STORE_UNAVAILABLE', message: /S3_ENDPOINT/ });
});

it('s3: a missing bucket is OBJECT_STORE_UNAVAILABLE, not a missing object', async () => {
  const store = new S3ObjectStore({ ...server.options, bucket: 'no-such-bucket' });
  await expect(store.getBytes('a')).rejects.toMatchObject({ code: 'OBJECT_STORE_UNAVAILABLE' });
});
