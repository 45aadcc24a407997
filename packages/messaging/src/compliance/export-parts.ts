/**
 * Data-subject exports (spec audit.md, "Data-subject workflows"): on `audit.compliance.export_requested`
 * each service stores its part of the archive in object storage and publishes
 * `<service>.compliance.export_ready` with where the part is, how big it is and its SHA-256, so audit can
 * assemble and check the archive. Events stay small and carry no personal data: the part itself never
 * rides on a topic.
 *
 * Storage is the S3 API: fauxqs's S3 in the embedded runtime and tests, LocalStack's S3 in compose, S3 in
 * AWS (bucket with default encryption and a lifecycle rule; the objects are written with SSE as well).
 * Writing the same request's part again overwrites the same key, so a redelivered request is harmless.
 */
import { createHash } from 'node:crypto';
import type { PartService } from '@authplatform/contracts';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ComplianceExportError } from './errors.ts';

/** What a service hands over: its part of the subject's archive (any JSON) and how many records it holds. */
export interface ComplianceExportPartInput {
  service: PartService;
  requestId: string;
  userId: string;
  records: number;
  part: unknown;
}

/** The data of `<service>.compliance.export_ready`, ready to publish. */
export interface ComplianceExportReady {
  request_id: string;
  user_id: string;
  location: string;
  records: number;
  bytes: number;
  sha256: string;
}

export interface ComplianceExportParts {
  /** The bucket parts are written to. */
  readonly bucket: string;
  /** Stores a service's part and returns the data of its `export_ready` event. */
  put(input: ComplianceExportPartInput): Promise<ComplianceExportReady>;
}

export interface ComplianceExportPartsOptions {
  s3: S3Client;
  bucket: string;
  /** Server-side encryption of each object; `AES256` (S3-managed keys) unless a KMS key is configured. */
  serverSideEncryption?: 'AES256' | 'aws:kms';
  /** Create the bucket when it does not exist (emulators and tests; in AWS the infrastructure owns it). */
  createMissingBucket?: boolean;
  /** Clock for `generated_at` (tests). */
  now?: () => Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The object key of one service's part of one export request. */
export function complianceExportKey(requestId: string, service: PartService): string {
  return `exports/${requestId}/${service}.json`;
}

export function createComplianceExportParts(options: ComplianceExportPartsOptions): ComplianceExportParts {
  const { s3, bucket } = options;
  const now = options.now ?? (() => new Date());
  return {
    bucket,
    async put(input) {
      if (!UUID.test(input.requestId) || !UUID.test(input.userId)) {
        throw new ComplianceExportError('invalid_request', 'request_id and user_id must be UUIDs');
      }
      if (!Number.isInteger(input.records) || input.records < 0) {
        throw new ComplianceExportError('invalid_request', 'records must be a non-negative integer');
      }
      const body = Buffer.from(
        JSON.stringify({
          request_id: input.requestId,
          user_id: input.userId,
          service: input.service,
          generated_at: now().toISOString(),
          records: input.records,
          part: input.part,
        }),
        'utf8',
      );
      const sha256 = createHash('sha256').update(body).digest('hex');
      const key = complianceExportKey(input.requestId, input.service);
      const putObject = () =>
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: 'application/json',
            ServerSideEncryption: options.serverSideEncryption ?? 'AES256',
            ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
            Metadata: { 'request-id': input.requestId, service: input.service },
          }),
        );
      try {
        try {
          await putObject();
        } catch (error) {
          if (
            !(options.createMissingBucket === true && error instanceof Error && error.name === 'NoSuchBucket')
          ) {
            throw error;
          }
          await ensureComplianceBucket(s3, bucket);
          await putObject();
        }
      } catch (cause) {
        if (cause instanceof ComplianceExportError) throw cause;
        throw new ComplianceExportError(
          'storage_failed',
          `could not store the export part at s3://${bucket}/${key}`,
          {
            cause,
          },
        );
      }
      return {
        request_id: input.requestId,
        user_id: input.userId,
        location: `s3://${bucket}/${key}`,
        records: input.records,
        bytes: body.byteLength,
        sha256,
      };
    },
  };
}

/**
 * The default bucket of an environment: `<prefix>-authplatform-compliance`, lower-cased and with `_`
 * turned into `-` (S3 bucket names allow neither). Production sets `COMPLIANCE_EXPORT_BUCKET` instead:
 * bucket names are global in AWS.
 */
export function defaultComplianceBucket(prefix: string): string {
  const base = `${prefix.replace(/-+$/, '')}-authplatform-compliance`.toLowerCase().replace(/_/g, '-');
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(base)) {
    throw new ComplianceExportError(
      'invalid_bucket',
      `no valid S3 bucket name from prefix ${JSON.stringify(prefix)}`,
    );
  }
  return base;
}

/** Creates the bucket if it does not exist (emulators and tests; in AWS the infrastructure owns it). */
export async function ensureComplianceBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') return;
    throw new ComplianceExportError('storage_failed', `could not create bucket ${bucket}`, { cause: error });
  }
}
