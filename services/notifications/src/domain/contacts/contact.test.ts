import { describe, expect, it } from '@jest/globals';
import { applyUpdate, emptyContact, erase } from './contact.ts';
import { compareKeys, orderKey } from './ordering.ts';

const USER = '0193a5e2-6b00-7000-8000-000000000001';
const key = (seq: number | undefined, id: string) =>
  orderKey({ id, ...(seq === undefined ? {} : { sequence: String(seq) }) });

describe('contact order keys', () => {
  it('orders by sequence, then by id; no sequence is older than any sequence', () => {
    expect(compareKeys(key(1, 'b'), key(2, 'a'))).toBeLessThan(0);
    expect(compareKeys(key(2, 'a'), key(2, 'b'))).toBeLessThan(0);
    expect(compareKeys(key(undefined, 'z'), key(0, 'a'))).toBeLessThan(0);
    expect(compareKeys(key(3, 'A'), key(3, 'a'))).toBe(0);
    expect(orderKey({ id: 'x', sequence: 'not-a-number' }).seq).toBe('-1');
  });
});

describe('contact updates', () => {
  it('applies each field only when its key is newer than the field’s own', () => {
    let c = emptyContact(USER);
    c = applyUpdate(c, { email: 'a@example.test', locale: 'en' }, key(1, 'e1'));
    c = applyUpdate(c, { locale: 'pt-BR' }, key(3, 'e3'));
    c = applyUpdate(c, { name: 'Ada', locale: 'es' }, key(2, 'e2'));
    expect(c.values).toEqual({
      email: 'a@example.test',
      phone: null,
      name: 'Ada',
      locale: 'pt-BR',
      timezone: null,
    });
  });

  it('removes a field set to null by a newer event, and ignores an older value after it', () => {
    let c = applyUpdate(emptyContact(USER), { phone: '+447700900123' }, key(1, 'a'));
    c = applyUpdate(c, { phone: null }, key(3, 'c'));
    c = applyUpdate(c, { phone: '+447700900999' }, key(2, 'b'));
    expect(c.values.phone).toBeNull();
  });

  it('never changes an erased contact, and erasing drops every value', () => {
    const c = applyUpdate(emptyContact(USER), { email: 'a@example.test' }, key(1, 'a'));
    const erased = erase(c, new Date('2026-11-28T00:00:00Z'));
    expect(erased.values).toEqual(emptyContact(USER).values);
    expect(erased.versions).toEqual({});
    expect(applyUpdate(erased, { email: 'b@example.test' }, key(9, 'z'))).toBe(erased);
  });
});
