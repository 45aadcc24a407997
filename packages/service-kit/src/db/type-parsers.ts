import type { CustomTypesConfig } from 'pg';
import pg from 'pg';

/**
 * How column values come back, identical on Postgres (node-postgres) and PGlite:
 *
 * - `bigint`/`int8` (OID 20, also `count(*)`): a JS `number` when it is a safe integer
 *   (|n| ≤ 2^53 − 1), otherwise a JS `bigint`, so no value ever loses precision. This is PGlite's
 *   own rule; node-postgres would return a string. Type such columns `number` when they stay small
 *   (counters, sequences) and `number | bigint` when they may not.
 * - `int8[]` (OID 1016): the same rule per element.
 * - `numeric` (OID 1700): a string, exact. Convert where the domain knows the scale.
 * - everything else: node-postgres defaults (timestamps → `Date`, json → parsed, …).
 */
export const INT8_OID = 20;
export const INT8_ARRAY_OID = 1016;

export function parseInt8(text: string): number | bigint {
  const big = BigInt(text);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

type Int8Array = Array<number | bigint | null | Int8Array>;

/** Parses the text form of an `int8[]` (`{1,NULL,{2,3}}`); elements are never quoted. */
export function parseInt8Array(text: string): Int8Array {
  let pos = 0;
  const parseLevel = (): Int8Array => {
    if (text[pos] !== '{') throw new SyntaxError(`Bad int8[] literal: ${text}`);
    pos++;
    const items: Int8Array = [];
    while (pos < text.length) {
      const ch = text[pos];
      if (ch === '}') {
        pos++;
        return items;
      }
      if (ch === ',') {
        pos++;
      } else if (ch === '{') {
        items.push(parseLevel());
      } else {
        let end = pos;
        while (end < text.length && text[end] !== ',' && text[end] !== '}') end++;
        const token = text.slice(pos, end);
        items.push(token === 'NULL' ? null : parseInt8(token));
        pos = end;
      }
    }
    throw new SyntaxError(`Bad int8[] literal: ${text}`);
  };
  // A lower-bound prefix such as `[0:1]={…}` is possible for non-default bounds; ignore it.
  const eq = text.indexOf('=');
  if (text.startsWith('[') && eq > 0) pos = eq + 1;
  return parseLevel();
}

/** A per-pool type configuration, so the process-wide `pg.types` stay untouched. */
export const pgTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary') {
      if (oid === INT8_OID) return parseInt8;
      if (oid === INT8_ARRAY_OID) return parseInt8Array;
    }
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  }) as CustomTypesConfig['getTypeParser'],
};
