/**
 * The hash chain of the audit log (spec audit.md, "The log"): each record stores
 * `hash = SHA-256(prev_hash ‖ canonical JSON of the record)`, canonical JSON being RFC 8785 (JCS),
 * so anyone holding an export can recompute it with any JCS implementation. The record is hashed as
 * stored (personal data as ciphertext), so the chain still verifies after a subject's key is destroyed.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** `prev_hash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hashed fields of a record, exactly as stored. */
export interface ChainedRecord {
  seq: string;
  id: string;
  event_id: string;
  type: string;
  occurred_at: string;
  source: string;
  actor_type: string;
  actor_id: string | null;
  subject: string | null;
  user_id: string | null;
  outcome: string;
  /** The event's data when it concerns no user, in clear. */
  data: unknown;
  /** The event's data, ip and user agent sealed with the user's data key (AES-256-GCM), base64url. */
  sealed: string | null;
}

/** Exactly the hashed fields of a record (a stored row carries more: `recorded_at`, the hashes). */
export function chainedFields(record: ChainedRecord): ChainedRecord {
  return {
    seq: record.seq,
    id: record.id,
    event_id: record.event_id,
    type: record.type,
    occurred_at: record.occurred_at,
    source: record.source,
    actor_type: record.actor_type,
    actor_id: record.actor_id,
    subject: record.subject,
    user_id: record.user_id,
    outcome: record.outcome,
    data: record.data,
    sealed: record.sealed,
  };
}

export function canonicalRecord(record: ChainedRecord): string {
  const text = canonicalize(chainedFields(record));
  if (text === undefined) throw new Error('record has no canonical JSON form');
  return text;
}

export function chainHash(prevHash: string, record: ChainedRecord): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalRecord(record), 'utf8').digest('hex');
}

export interface StoredRecord extends ChainedRecord {
  prev_hash: string;
  hash: string;
}

export type ChainBreak =
  | { seq: string; reason: 'prev_hash_mismatch'; expected: string; found: string }
  | { seq: string; reason: 'hash_mismatch'; expected: string; found: string }
  | { seq: string; reason: 'sequence_gap'; expected: string; found: string };

/**
 * Checks consecutive records (ascending `seq`): each links to the previous one's hash, its own hash
 * is what its content gives, and no sequence number is missing. `previous` is the record before the
 * first one (or nothing when the first is the chain's first). Answers the first break, or null.
 */
export function findChainBreak(
  records: readonly StoredRecord[],
  previous: { seq: string; hash: string } | null,
): ChainBreak | null {
  let expectedPrev = previous?.hash ?? GENESIS_HASH;
  let expectedSeq = previous === null ? null : BigInt(previous.seq) + 1n;
  for (const record of records) {
    const seq = BigInt(record.seq);
    if (expectedSeq !== null && seq !== expectedSeq) {
      return { seq: record.seq, reason: 'sequence_gap', expected: String(expectedSeq), found: record.seq };
    }
    if (record.prev_hash !== expectedPrev) {
      return {
        seq: record.seq,
        reason: 'prev_hash_mismatch',
        expected: expectedPrev,
        found: record.prev_hash,
      };
    }
    const { prev_hash: _prev, hash, ...content } = record;
    const computed = chainHash(record.prev_hash, content);
    if (computed !== hash)
      return { seq: record.seq, reason: 'hash_mismatch', expected: computed, found: hash };
    expectedPrev = hash;
    expectedSeq = seq + 1n;
  }
  return null;
}
