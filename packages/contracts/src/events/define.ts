import type { Static, TObject } from '@sinclair/typebox';
import type { ServiceName } from '../services.ts';

/** An older version of a type's data, still accepted by `parseEvent` during its deprecation period. */
export interface PreviousVersion {
  readonly version: number;
  readonly data: TObject;
  readonly examples: readonly unknown[];
  /** RFC 3339 date from which the version is deprecated, and the date after which it is no longer published. */
  readonly deprecated: { readonly since: string; readonly sunset: string };
}

export interface EventDefinition<TType extends string = string, S extends TObject = TObject> {
  readonly type: TType;
  /** The service that publishes it: the first segment of the type. */
  readonly producer: ServiceName;
  /** The current version of the data schema; `dataschema` ends in `/<version>.json`. */
  readonly version: number;
  readonly summary: string;
  /** The data schema of the current version. */
  readonly data: S;
  /** At least one; every example validates against `data` (a test proves it). */
  readonly examples: readonly [Static<S>, ...Static<S>[]];
  /**
   * The platform's own consumers named in the catalogue. Audit (every type) and webhooks (every
   * type not `internal`) are added by the topology; see `handledEvents`.
   */
  readonly consumers: readonly ServiceName[];
  /** Platform-internal: never delivered to customers' webhook endpoints. */
  readonly internal: boolean;
  /** The CloudEvents `subject` as a template over data fields, e.g. `user/{user_id}`. */
  readonly subject: string;
  readonly previousVersions: readonly PreviousVersion[];
}

export interface EventSpec<S extends TObject> {
  summary: string;
  data: S;
  examples: readonly [Static<S>, ...Static<S>[]];
  consumers?: readonly ServiceName[];
  internal?: boolean;
  subject: string;
  version?: number;
  previousVersions?: readonly PreviousVersion[];
}

export function defineEvent<const TType extends `${ServiceName}.${string}.${string}`, S extends TObject>(
  type: TType,
  spec: EventSpec<S>,
): EventDefinition<TType, S> {
  return {
    type,
    producer: type.slice(0, type.indexOf('.')) as ServiceName,
    version: spec.version ?? 1,
    summary: spec.summary,
    data: spec.data,
    examples: spec.examples,
    consumers: spec.consumers ?? [],
    internal: spec.internal ?? false,
    subject: spec.subject,
    previousVersions: spec.previousVersions ?? [],
  };
}

/**
 * Fills a subject template (`user/{user_id}`) from event data; undefined when a field it names is
 * absent (e.g. a failed login for an unknown user has no user id).
 */
export function renderSubject(template: string, data: unknown): string | undefined {
  let missing = false;
  const subject = template.replace(/\{([a-z_]+)\}/g, (_, field: string) => {
    const value =
      typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[field] : undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      missing = true;
      return '';
    }
    return String(value);
  });
  return missing ? undefined : subject;
}
