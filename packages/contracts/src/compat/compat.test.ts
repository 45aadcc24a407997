// The compatibility guard (events.md, "Versions and deprecation"; compat/README.md).
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { commandCatalogue } from '../commands/catalogue.ts';
import { eventCatalogue, eventTypes } from '../events/catalogue.ts';
import { validateEventData } from '../events/events.ts';
import type { JsonSchema } from '../schemas.ts';
import {
  COMPAT_DIR,
  compatibilityProblems,
  currentSchemaFor,
  currentSnapshot,
  publishedContracts,
  readSnapshots,
  type Snapshot,
  snapshotPath,
  writeMissingSnapshots,
} from './compat.ts';

const snapshots = readSnapshots();
const clone = <T>(value: T): T => structuredClone(value);

function snapshotOf(kind: Snapshot['kind'], name: string): Snapshot {
  const found = snapshots.find((s) => s.kind === kind && s.name === name && s.version === 1);
  if (!found) throw new Error(`no snapshot of ${kind}/${name}`);
  return found;
}

describe('compatibility guard', () => {
  it('(a) every current example validates against its current schema', () => {
    for (const type of eventTypes) {
      for (const example of eventCatalogue[type].examples) {
        expect(validateEventData(type, eventCatalogue[type].version, example, 'closed')).toEqual({
          ok: true,
        });
      }
    }
  });

  it('(b) every snapshotted schema and example is still accepted by the current schemas', () => {
    expect(snapshots.length).toBeGreaterThanOrEqual(eventTypes.length);
    const problems = snapshots.flatMap((s) => compatibilityProblems(s, currentSchemaFor(s)));
    expect(problems).toEqual([]);
  });

  it('(c) every type and version of the catalogue, every command and both envelopes have a snapshot', () => {
    const missing = publishedContracts()
      .map(({ kind, name, version }) => snapshotPath(kind, name, version))
      .filter((path) => !existsSync(path));
    expect(missing).toEqual([]);
    const events = readdirSync(join(COMPAT_DIR, 'v1', 'events')).map((f) => f.replace(/\.json$/, ''));
    expect(events.sort()).toEqual([...eventTypes].sort());
  });

  it('snapshots hold the published schema and examples, as the snapshot script writes them', () => {
    for (const snapshot of snapshots) {
      expect(snapshot.examples.length).toBeGreaterThan(0);
      expect(snapshot.schema.type).toBe('object');
    }
    const dir = mkdtempSync(join(tmpdir(), 'compat-'));
    try {
      const first = writeMissingSnapshots(dir);
      expect(first.written).toHaveLength(publishedContracts().length);
      expect(writeMissingSnapshots(dir)).toEqual({ written: [], kept: first.written });
      expect(readSnapshots(dir)).toHaveLength(publishedContracts().length);
      // Freshly written snapshots are compatible with the catalogue they were taken from.
      expect(readSnapshots(dir).flatMap((s) => compatibilityProblems(s, currentSchemaFor(s)))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compatibility guard catches breaking changes', () => {
  const locked = snapshotOf('events', 'identity.user.locked');
  const current = () => clone(currentSchemaFor(locked) as JsonSchema);
  const props = (schema: JsonSchema) => schema.properties as Record<string, JsonSchema>;

  it('accepts the unchanged schema and a new optional property', () => {
    expect(compatibilityProblems(locked, current())).toEqual([]);
    const added = current();
    props(added).source_ip = { type: 'string' };
    expect(compatibilityProblems(locked, added)).toEqual([]);
  });

  it('refuses a removed property (the examples use it, and the structure says so)', () => {
    const removed = current();
    delete props(removed).until;
    const problems = compatibilityProblems(locked, removed);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/example 1: .*unknown property "until"/),
        expect.stringMatching(/property "until" was removed/),
      ]),
    );
  });

  it('refuses a renamed, a newly required, and a retyped property', () => {
    const renamed = current();
    props(renamed).locked_until = props(renamed).until as JsonSchema;
    delete props(renamed).until;
    expect(compatibilityProblems(locked, renamed).join('\n')).toMatch(/"until" was removed/);

    const required = current();
    (required.required as string[]).push('until');
    expect(compatibilityProblems(locked, required).join('\n')).toMatch(/"until" became required/);

    const newRequired = current();
    props(newRequired).actor = { type: 'string' };
    (newRequired.required as string[]).push('actor');
    expect(compatibilityProblems(locked, newRequired).join('\n')).toMatch(/new property "actor" is required/);

    const retyped = current();
    props(retyped).until = { type: 'integer' };
    expect(compatibilityProblems(locked, retyped).join('\n')).toMatch(/until: type changed/);
  });

  it('refuses enum changes, including added values, even when no example uses them', () => {
    const narrowed = current();
    props(narrowed).reason = { type: 'string', enum: ['too_many_failed_logins', 'security_detection'] };
    expect(compatibilityProblems(locked, narrowed).join('\n')).toMatch(/reason: enum changed/);
    const widened = current();
    props(widened).reason = {
      type: 'string',
      enum: ['too_many_failed_logins', 'security_detection', 'admin', 'bored'],
    };
    expect(compatibilityProblems(locked, widened).join('\n')).toMatch(/reason: enum changed/);
  });

  it('refuses a type whose version disappeared before its snapshot was removed', () => {
    expect(compatibilityProblems(locked, undefined)).toEqual([
      'events/identity.user.locked v1 is no longer in the catalogue (remove its snapshot only after its sunset date)',
    ]);
    expect(currentSchemaFor({ kind: 'events', name: 'identity.user.exploded', version: 1 })).toBeUndefined();
    expect(currentSchemaFor({ kind: 'events', name: 'identity.user.locked', version: 2 })).toBeUndefined();
  });

  it('guards commands and the envelopes the same way', () => {
    const command = snapshotOf('commands', 'send_password_reset');
    const schema = clone(currentSchemaFor(command) as JsonSchema);
    delete (schema.properties as Record<string, JsonSchema>).locale;
    expect(compatibilityProblems(command, schema).join('\n')).toMatch(/"locale" was removed/);
    expect(currentSnapshot('commands', 'send_password_reset', 1).examples).toEqual([
      ...commandCatalogue.send_password_reset.examples,
    ]);

    const envelope = snapshotOf('envelopes', 'cloudevent');
    const loosened = clone(currentSchemaFor(envelope) as JsonSchema);
    (loosened.properties as Record<string, JsonSchema>).specversion = { type: 'string' };
    expect(compatibilityProblems(envelope, loosened).join('\n')).toMatch(/specversion: const changed/);
  });
});
