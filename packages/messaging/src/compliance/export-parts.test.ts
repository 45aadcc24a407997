/**
 * Data-subject export parts against the S3 API of the test broker (fauxqs's S3, or LocalStack's):
 * the part is stored where the event says, with the size and SHA-256 the event says, a redelivered
 * request overwrites the same object, and the bucket is created only when allowed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type TestBroker, testBroker } from '@authplatform/test-kit';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ComplianceExportError } from './errors.ts';
import {
  complianceExportKey,
  createComplianceExportParts,
  defaultComplianceBucket,
  ensureComplianceBucket,
} from './export-parts.ts';

describe('compliance export parts', () => {
  let broker: TestBroker;
  let s3: S3Client;
  let bucket: string;

  const read = async (bucketName: string, key: string) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
    return Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
  };

  beforeAll(() => {
    broker = testBroker();
    s3 = new S3Client({
      endpoint: broker.endpoint,
      region: broker.region,
      credentials: broker.credentials,
      forcePathStyle: true,
    });
    bucket = defaultComplianceBucket(broker.prefix);
  });
  afterAll(async () => {
    // The shared broker (LocalStack when AWS_ENDPOINT_URL is set) keeps nothing of this suite.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
    if (keys.length > 0)
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3.destroy();
  });

  it('stores the part and returns the export_ready data that describes it exactly', async () => {
    const parts = createComplianceExportParts({
      s3,
      bucket,
      createMissingBucket: true,
      now: () => new Date('2026-11-28T12:00:00Z'),
    });
    const requestId = randomUUID();
    const userId = randomUUID();
    const ready = await parts.put({
      service: 'authz',
      requestId,
      userId,
      records: 2,
      part: { assignments: [{ role: 'editor' }, { role: 'viewer' }] },
    });

    expect(ready.location).toBe(`s3://${bucket}/exports/${requestId}/authz.json`);
    expect(ready).toMatchObject({ request_id: requestId, user_id: userId, records: 2 });
    const body = await read(bucket, complianceExportKey(requestId, 'authz'));
    expect(body.byteLength).toBe(ready.bytes);
    expect(createHash('sha256').update(body).digest('hex')).toBe(ready.sha256);
    expect(JSON.parse(body.toString('utf8'))).toEqual({
      request_id: requestId,
      user_id: userId,
      service: 'authz',
      generated_at: '2026-11-28T12:00:00.000Z',
      records: 2,
      part: { assignments: [{ role: 'editor' }, { role: 'viewer' }] },
    });
  });

  it('a redelivered request overwrites the same object with the new content', async () => {
    const parts = createComplianceExportParts({ s3, bucket, createMissingBucket: true });
    const requestId = randomUUID();
    const userId = randomUUID();
    const first = await parts.put({
      service: 'notifications',
      requestId,
      userId,
      records: 1,
      part: { n: 1 },
    });
    const second = await parts.put({
      service: 'notifications',
      requestId,
      userId,
      records: 3,
      part: { n: 3 },
    });
    expect(second.location).toBe(first.location);
    const body = await read(bucket, complianceExportKey(requestId, 'notifications'));
    expect(JSON.parse(body.toString('utf8')).part).toEqual({ n: 3 });
    expect(createHash('sha256').update(body).digest('hex')).toBe(second.sha256);
  });

  it('does not create a missing bucket unless allowed (production), and says where it failed', async () => {
    const missing = `${bucket}-absent`;
    const parts = createComplianceExportParts({ s3, bucket: missing });
    const attempt = parts.put({
      service: 'identity',
      requestId: randomUUID(),
      userId: randomUUID(),
      records: 0,
      part: {},
    });
    await expect(attempt).rejects.toBeInstanceOf(ComplianceExportError);
    await expect(attempt).rejects.toMatchObject({ code: 'storage_failed' });
    await expect(s3.send(new HeadBucketCommand({ Bucket: missing }))).rejects.toThrow();
  });

  it('refuses ids that are not UUIDs (they become object keys) before touching storage', async () => {
    const parts = createComplianceExportParts({ s3, bucket });
    await expect(
      parts.put({ service: 'identity', requestId: '../../etc', userId: randomUUID(), records: 0, part: {} }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(
      parts.put({
        service: 'identity',
        requestId: randomUUID(),
        userId: randomUUID(),
        records: -1,
        part: {},
      }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('ensureComplianceBucket is idempotent', async () => {
    await ensureComplianceBucket(s3, bucket);
    await ensureComplianceBucket(s3, bucket);
    await expect(s3.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
  });

  it('derives valid bucket names from environment prefixes', () => {
    expect(defaultComplianceBucket('dev')).toBe('dev-authplatform-compliance');
    expect(defaultComplianceBucket('Prod_EU')).toBe('prod-eu-authplatform-compliance');
    expect(defaultComplianceBucket('t1a2b3c4d5-')).toBe('t1a2b3c4d5-authplatform-compliance');
  });
});
