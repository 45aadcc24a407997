/**
 * Assignments and grants indexed for decisions: by id; by resource key (the assignment's scope or the
 * grant's resource; `GLOBAL` for a global assignment) then by holding subject — what a check walks up
 * the resource chain; and by holding subject (explain, lookupResources, erasure). A check does a few
 * map look-ups per resource of the chain; nothing scans all holdings.
 *
 * The per-key maps ("slots") live where `Slots` says — for resources, on the resource's node in the
 * hierarchy, so one look-up finds a resource's parent, assignments and grants together.
 */
import { getOrCreate } from './collections.ts';
import type { SubjectRef } from './model.ts';

/**
 * The key of global assignments: null, so no string — even a malformed scope such as '' that slipped
 * past validation — can ever be taken for "global".
 */
export const GLOBAL = null;

/** A resource, or GLOBAL. */
export type HoldingKey = string | null;

export interface Holding {
  id: string;
  subject: SubjectRef;
}

/** Where the holdings of each resource key are kept. */
export interface Slots<T> {
  get(key: HoldingKey): Map<SubjectRef, T[]> | undefined;
  /** The slot of `key`, created when absent. */
  create(key: HoldingKey): Map<SubjectRef, T[]>;
  /** Forget the (now empty) slot of `key`. */
  drop(key: HoldingKey): void;
}

export class HoldingIndex<T extends Holding> {
  readonly #keyOf: (item: T) => HoldingKey;
  readonly #slots: Slots<T>;
  readonly #byId = new Map<string, T>();
  readonly #bySubject = new Map<SubjectRef, T[]>();

  constructor(keyOf: (item: T) => HoldingKey, slots: Slots<T>) {
    this.#keyOf = keyOf;
    this.#slots = slots;
  }

  get size(): number {
    return this.#byId.size;
  }

  keyOf(item: T): HoldingKey {
    return this.#keyOf(item);
  }

  get(id: string): T | undefined {
    return this.#byId.get(id);
  }

  /** Adds `item`, replacing an item with the same id. Returns the replaced item, if any. */
  put(item: T): T | undefined {
    const old = this.remove(item.id);
    this.#byId.set(item.id, item);
    getOrCreate(this.#slots.create(this.#keyOf(item)), item.subject, (): T[] => []).push(item);
    getOrCreate(this.#bySubject, item.subject, (): T[] => []).push(item);
    return old;
  }

  /** Removes the item with this id; returns it, or undefined when there was none. */
  remove(id: string): T | undefined {
    const item = this.#byId.get(id);
    if (item === undefined) return undefined;
    this.#byId.delete(id);
    const key = this.#keyOf(item);
    const onKey = this.#slots.get(key);
    if (onKey !== undefined) {
      pull(onKey, item.subject, item);
      if (onKey.size === 0) this.#slots.drop(key);
    }
    pull(this.#bySubject, item.subject, item);
    return item;
  }

  /** Items on resource key `key` (`GLOBAL` for global assignments), by holding subject (live view). */
  onKey(key: HoldingKey): ReadonlyMap<SubjectRef, readonly T[]> | undefined {
    return this.#slots.get(key);
  }

  /** Items held by `subject` on `key`. */
  of(subject: SubjectRef, key: HoldingKey): readonly T[] | undefined {
    return this.#slots.get(key)?.get(subject);
  }

  /** Every item held by `subject`, in insertion order (live view). */
  heldBy(subject: SubjectRef): readonly T[] {
    return this.#bySubject.get(subject) ?? [];
  }
}

function pull<K, T>(map: Map<K, T[]>, key: K, item: T): void {
  const list = map.get(key);
  if (list === undefined) return;
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}
