/**
 * `GET /v1/audit/verify`: recomputes the hash chain over a range and answers where the first break is.
 * Reads in pages, so a long log is verified in bounded memory. When the range reaches the end of the
 * log, the chain head must also be the last record (a deleted tail is a break too).
 */
import { type ChainBreak, findChainBreak, GENESIS_HASH } from '../../domain/log/chain.ts';
import type { AuditLogReader } from '../../store/log/audit-log-store.ts';

export interface VerifyResult {
  ok: boolean;
  checked: number;
  first_seq: string | null;
  last_seq: string | null;
  first_break:
    | (ChainBreak | { seq: string; reason: 'head_mismatch'; expected: string; found: string })
    | null;
}

const PAGE = 1000;

export async function verifyLog(
  reader: AuditLogReader,
  range: { from?: Date | undefined; to?: Date | undefined },
): Promise<VerifyResult> {
  const bounds = await reader.seqBounds(range.from, range.to);
  if (bounds.first === null || bounds.last === null) {
    return { ok: true, checked: 0, first_seq: null, last_seq: null, first_break: null };
  }
  const before = await reader.storedBefore(bounds.first);
  let previous: { seq: string; hash: string } | null =
    before === undefined
      ? BigInt(bounds.first) === 1n
        ? null
        : { seq: String(BigInt(bounds.first) - 1n), hash: GENESIS_HASH }
      : before;
  let after = String(BigInt(bounds.first) - 1n);
  let checked = 0;
  for (;;) {
    const page = await reader.storedRange(after, bounds.last, PAGE);
    if (page.length === 0) break;
    const broken = findChainBreak(page, previous);
    if (broken !== null) {
      return {
        ok: false,
        checked: checked + page.findIndex((r) => r.seq === broken.seq),
        first_seq: bounds.first,
        last_seq: bounds.last,
        first_break: broken,
      };
    }
    checked += page.length;
    const last = page[page.length - 1];
    if (last === undefined) break;
    previous = { seq: last.seq, hash: last.hash };
    after = last.seq;
    if (page.length < PAGE) break;
  }
  if (range.to === undefined && previous !== null) {
    const head = await reader.head();
    if (head.seq !== previous.seq || head.hash !== previous.hash) {
      return {
        ok: false,
        checked,
        first_seq: bounds.first,
        last_seq: bounds.last,
        first_break: {
          seq: head.seq,
          reason: 'head_mismatch',
          expected: `${previous.seq}:${previous.hash}`,
          found: `${head.seq}:${head.hash}`,
        },
      };
    }
  }
  return { ok: true, checked, first_seq: bounds.first, last_seq: bounds.last, first_break: null };
}
