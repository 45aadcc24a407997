// The compatibility guard: every published (type, version) is frozen as a snapshot of its JSON Schema
// and examples under compat/v<version>/. The current schemas must still accept every snapshotted
// example and must not narrow what the snapshot allowed. See compat/README.md.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CommandType, commandCatalogue, commandTypes, isCommandType } from '../commands/catalogue.ts';
import { CommandEnvelopeSchema } from '../commands/commands.ts';
import { type EventType, eventCatalogue, eventTypes, isEventType } from '../events/catalogue.ts';
import { EnvelopeSchema } from '../events/envelope.ts';
import { dataSchemaOf } from '../events/events.ts';
import { dataJsonSchema, exampleCommands, exampleEvents } from '../schemas.ts';
import {
  closeSchema,
  describeErrors,
  type JsonSchema,
  SchemaValidators,
  toJsonSchema,
} from '../validation/ajv.ts';

/** The folder of committed snapshots: packages/contracts/compat. */
export const COMPAT_DIR = fileURLToPath(new URL('../../compat/', import.meta.url));

export type SnapshotKind = 'events' | 'commands' | 'envelopes';

export interface Snapshot {
  kind: SnapshotKind;
  /** Event or command type, or `cloudevent` / `command` for the envelopes. */
  name: string;
  version: number;
  /** The JSON Schema as it was published (data schema for events, whole command for commands). */
  schema: JsonSchema;
  examples: unknown[];
}

export function snapshotPath(kind: SnapshotKind, name: string, version: number, dir = COMPAT_DIR): string {
  return join(dir, `v${version}`, kind, `${name}.json`);
}

/** What a snapshot of the current catalogue contains for one (kind, name, version). */
export function currentSnapshot(kind: SnapshotKind, name: string, version: number): Snapshot {
  if (kind === 'events') {
    if (!isEventType(name)) throw new RangeError(`unknown event type ${name}`);
    const definition = eventCatalogue[name];
    const previous = definition.previousVersions.find((p) => p.version === version);
    const examples = version === definition.version ? definition.examples : previous?.examples;
    if (examples === undefined) throw new RangeError(`${name} has no version ${version}`);
    return { kind, name, version, schema: dataJsonSchema(name, version), examples: [...examples] };
  }
  if (kind === 'commands') {
    if (!isCommandType(name)) throw new RangeError(`unknown command type ${name}`);
    const definition = commandCatalogue[name];
    return { kind, name, version, schema: toJsonSchema(definition.data), examples: [...definition.examples] };
  }
  if (name === 'cloudevent') {
    return {
      kind,
      name,
      version,
      schema: toJsonSchema(EnvelopeSchema),
      examples: exampleEvents('identity.user.registered').slice(0, 1),
    };
  }
  return {
    kind,
    name,
    version,
    schema: toJsonSchema(CommandEnvelopeSchema),
    examples: exampleCommands('send_email_verification').slice(0, 1),
  };
}

/** Every (kind, name, version) the current catalogue publishes and so must have a snapshot. */
export function publishedContracts(): { kind: SnapshotKind; name: string; version: number }[] {
  const out: { kind: SnapshotKind; name: string; version: number }[] = [
    { kind: 'envelopes', name: 'cloudevent', version: 1 },
    { kind: 'envelopes', name: 'command', version: 1 },
  ];
  for (const type of eventTypes) {
    const definition = eventCatalogue[type];
    for (const previous of definition.previousVersions)
      out.push({ kind: 'events', name: type, version: previous.version });
    out.push({ kind: 'events', name: type, version: definition.version });
  }
  for (const type of commandTypes)
    out.push({ kind: 'commands', name: type, version: commandCatalogue[type].version });
  return out;
}

export function serialiseSnapshot(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

/** Every snapshot committed under `dir`. */
export function readSnapshots(dir = COMPAT_DIR): Snapshot[] {
  if (!existsSync(dir)) return [];
  const snapshots: Snapshot[] = [];
  for (const versionDir of readdirSync(dir)
    .filter((d) => /^v[1-9][0-9]*$/.test(d))
    .sort()) {
    for (const kind of ['envelopes', 'events', 'commands'] as const) {
      const folder = join(dir, versionDir, kind);
      if (!existsSync(folder)) continue;
      for (const file of readdirSync(folder)
        .filter((f) => f.endsWith('.json'))
        .sort()) {
        snapshots.push(JSON.parse(readFileSync(join(folder, file), 'utf8')) as Snapshot);
      }
    }
  }
  return snapshots;
}

/**
 * Writes the snapshots that do not exist yet; never rewrites one (a published version is frozen).
 * Returns the paths written and the paths that already existed.
 */
export function writeMissingSnapshots(dir = COMPAT_DIR): { written: string[]; kept: string[] } {
  const written: string[] = [];
  const kept: string[] = [];
  for (const { kind, name, version } of publishedContracts()) {
    const path = snapshotPath(kind, name, version, dir);
    if (existsSync(path)) {
      kept.push(path);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, serialiseSnapshot(currentSnapshot(kind, name, version)));
    written.push(path);
  }
  return { written, kept };
}

/** The schema that a snapshot must still be compatible with today, or undefined when it is gone. */
export function currentSchemaFor(
  snapshot: Pick<Snapshot, 'kind' | 'name' | 'version'>,
): JsonSchema | undefined {
  const { kind, name, version } = snapshot;
  if (kind === 'events') {
    if (!isEventType(name)) return undefined;
    const schema = dataSchemaOf(name as EventType, version);
    return schema === undefined ? undefined : toJsonSchema(schema);
  }
  if (kind === 'commands') {
    if (!isCommandType(name) || commandCatalogue[name as CommandType].version !== version) return undefined;
    return toJsonSchema(commandCatalogue[name as CommandType].data);
  }
  if (version !== 1) return undefined;
  if (name === 'cloudevent') return toJsonSchema(EnvelopeSchema);
  if (name === 'command') return toJsonSchema(CommandEnvelopeSchema);
  return undefined;
}

const validators = new SchemaValidators();

/**
 * Why `current` breaks consumers or producers of `snapshot` (empty: compatible). The only compatible
 * change is a new optional property (events.md); so
 * - every snapshotted example must validate against the closed current schema, and
 * - the current schema must equal the snapshotted one except for new optional properties and
 *   annotations (`title`, `description`, `examples`, `$comment`): a removed or renamed property, a new
 *   required one, a changed type, format, pattern, bound or enum (added values too: consumers that
 *   validate with the old schema would refuse them) are all breaking.
 */
export function compatibilityProblems(snapshot: Snapshot, current: JsonSchema | undefined): string[] {
  const label = `${snapshot.kind}/${snapshot.name} v${snapshot.version}`;
  if (current === undefined) {
    return [`${label} is no longer in the catalogue (remove its snapshot only after its sunset date)`];
  }
  const problems: string[] = [];
  const closed = closeSchema(current);
  let validate: ReturnType<SchemaValidators['get']>;
  try {
    validate = validators.get(`${label} ${JSON.stringify(closed)}`, 'open', () => closed);
  } catch (error) {
    return [`${label}: the current schema does not compile: ${(error as Error).message}`];
  }
  snapshot.examples.forEach((example, index) => {
    if (!validate(example))
      problems.push(`${label} example ${index + 1}: ${describeErrors(validate.errors)}`);
  });
  problems.push(...schemaChanges(snapshot.schema, current, label));
  return problems;
}

const ANNOTATIONS = new Set(['title', 'description', 'examples', '$comment', '$schema', '$id']);

function asSchema(value: unknown): JsonSchema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonSchema)
    : undefined;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every difference between two schemas other than annotations and new optional properties. */
function schemaChanges(before: JsonSchema, after: JsonSchema, at: string): string[] {
  const problems: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    if (ANNOTATIONS.has(key)) continue;
    const was = before[key];
    const is = after[key];
    if (key === 'properties') {
      const wasProps = asSchema(was) ?? {};
      const isProps = asSchema(is) ?? {};
      const required = new Set(Array.isArray(after.required) ? (after.required as string[]) : []);
      for (const [name, schema] of Object.entries(wasProps)) {
        const next = asSchema(isProps[name]);
        const prev = asSchema(schema);
        if (next === undefined) problems.push(`${at}: property "${name}" was removed`);
        else if (prev !== undefined) problems.push(...schemaChanges(prev, next, `${at}.${name}`));
      }
      for (const name of Object.keys(isProps)) {
        if (!(name in wasProps) && required.has(name))
          problems.push(`${at}: new property "${name}" is required`);
      }
    } else if (key === 'required') {
      const wasRequired = Array.isArray(was) ? (was as string[]) : [];
      const isRequired = Array.isArray(is) ? (is as string[]) : [];
      const wasProps = asSchema(before.properties) ?? {};
      for (const name of isRequired) {
        // New required properties that did not exist before are reported under `properties`.
        if (!wasRequired.includes(name) && name in wasProps)
          problems.push(`${at}: property "${name}" became required`);
      }
      for (const name of wasRequired) {
        if (!isRequired.includes(name)) problems.push(`${at}: property "${name}" became optional`);
      }
    } else if ((key === 'items' || key === 'additionalProperties') && asSchema(was) && asSchema(is)) {
      problems.push(
        ...schemaChanges(asSchema(was) ?? {}, asSchema(is) ?? {}, `${at}${key === 'items' ? '[]' : '.*'}`),
      );
    } else if (
      (key === 'anyOf' || key === 'oneOf' || key === 'allOf') &&
      Array.isArray(was) &&
      Array.isArray(is)
    ) {
      if (was.length !== is.length)
        problems.push(`${at}: ${key} has ${is.length} branches instead of ${was.length}`);
      else {
        was.forEach((branch, i) => {
          const prev = asSchema(branch);
          const next = asSchema(is[i]);
          if (prev && next) problems.push(...schemaChanges(prev, next, `${at}|${i + 1}`));
        });
      }
    } else if (key === 'patternProperties' && asSchema(was) && asSchema(is)) {
      const wasMap = asSchema(was) ?? {};
      const isMap = asSchema(is) ?? {};
      if (!same(Object.keys(wasMap).sort(), Object.keys(isMap).sort())) {
        problems.push(`${at}: patternProperties changed`);
      } else {
        for (const [pattern, schema] of Object.entries(wasMap)) {
          problems.push(
            ...schemaChanges(asSchema(schema) ?? {}, asSchema(isMap[pattern]) ?? {}, `${at}.<${pattern}>`),
          );
        }
      }
    } else if (!same(was, is)) {
      problems.push(`${at}: ${key} changed from ${JSON.stringify(was)} to ${JSON.stringify(is)}`);
    }
  }
  return problems;
}
