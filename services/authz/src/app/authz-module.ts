/**
 * Wiring of the authz use cases: one decision index, one change-log sync and one writer per running
 * service (per database), shared by the routes, the event handlers and the start-up plugin.
 */
import type { ServiceContext, ServicePlugin } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import type { config } from '../config.ts';
import { createAuthzIndex } from '../domain/index.ts';
import type { AuthzDb } from '../store/model/authz-store.ts';
import { authzStore } from '../store/model/authz-store.ts';
import { changesChannel, pruneChangeLog } from '../store/model/changes.ts';
import type { AuthzDatabase } from '../store/model/schema.ts';
import { createDecisions, type Decisions } from './decide.ts';
import type { DecisionIndex } from './decision-index.ts';
import { createDeniedEvents, type DeniedEvents } from './denied-events.ts';
import { createIndexSync, type IndexSync } from './index-sync.ts';
import { createAssignmentUseCases } from './manage-assignments.ts';
import { createGrantUseCases } from './manage-grants.ts';
import { createGroupUseCases } from './manage-groups.ts';
import { createResourceUseCases } from './manage-resources.ts';
import { createRoleUseCases } from './manage-roles.ts';
import { createSubjectLifecycle, type SubjectLifecycle } from './subject-lifecycle.ts';
import { createWriter, type Writer } from './writer.ts';

export type AuthzContext = Pick<
  ServiceContext<typeof config.properties>,
  'config' | 'database' | 'logger' | 'metrics'
>;

export interface AuthzModule {
  db: AuthzDb;
  sync: IndexSync<DecisionIndex>;
  writer: Writer<DecisionIndex>;
  store: ReturnType<typeof authzStore>;
  roles: ReturnType<typeof createRoleUseCases>;
  assignments: ReturnType<typeof createAssignmentUseCases>;
  groups: ReturnType<typeof createGroupUseCases>;
  grants: ReturnType<typeof createGrantUseCases>;
  resources: ReturnType<typeof createResourceUseCases>;
  decisions: Decisions;
  /** Sampled denied decisions on their way to the outbox (`authz.decision.denied`). */
  deniedEvents: DeniedEvents;
  subjects: SubjectLifecycle;
}

const modules = new WeakMap<object, AuthzModule>();
const PRUNE_INTERVAL_MS = 3_600_000;

/** The authz module of a running service (created on first use, one per database). */
export function authzFor(context: AuthzContext): AuthzModule {
  const existing = modules.get(context.database);
  if (existing !== undefined) return existing;
  const { config, database, logger } = context;
  const db = database.db.withTables<AuthzDatabase>() as unknown as AuthzDb;
  const channel = changesChannel(database.schema);
  const sync = createIndexSync<DecisionIndex>({
    db,
    createIndex: (snapshot) => createAuthzIndex(snapshot),
    logger,
    ...(database.kind === 'postgres' && config.DATABASE_URL !== undefined
      ? { listen: { connectionString: config.DATABASE_URL, channel } }
      : {}),
    pollIntervalMs: config.AUTHZ_SYNC_POLL_MS,
  });
  const writer = createWriter({ db, sync, channel, logger });
  const decided = context.metrics.counter(
    'authz_decisions_total',
    'Decisions answered (check, batch, explain)',
    ['result'],
  );
  context.metrics.gauge(
    'authz_index_revision',
    'Change-log revision applied to the in-memory index',
    [],
    (g) => {
      g.set(sync.revision);
    },
  );
  context.metrics.gauge('authz_index_items', 'Items in the in-memory decision index', ['kind'], (g) => {
    try {
      const stats = sync.index.stats();
      for (const kind of ['roles', 'assignments', 'grants', 'memberships', 'parentLinks'] as const) {
        g.set({ kind }, stats[kind]);
      }
    } catch {
      // not started yet
    }
  });
  const deniedOutcomes = context.metrics.counter(
    'authz_denied_events_total',
    'Sampled denied decisions: enqueued as authz.decision.denied, dropped (too many pending) or failed',
    ['result'],
  );
  const deniedEvents = createDeniedEvents({
    db,
    logger,
    maxPending: config.AUTHZ_DENIED_EVENTS_MAX_PENDING,
    onOutcome: (result, n) => deniedOutcomes.inc({ result }, n),
  });
  context.metrics.gauge(
    'authz_denied_events_pending',
    'Sampled denied decisions waiting to be written to the outbox',
    [],
    (g) => {
      g.set(deniedEvents.pending());
    },
  );
  const module: AuthzModule = {
    db,
    sync,
    writer,
    store: authzStore(db),
    roles: createRoleUseCases(writer),
    assignments: createAssignmentUseCases(writer),
    groups: createGroupUseCases(writer),
    grants: createGrantUseCases(writer),
    resources: createResourceUseCases(writer),
    decisions: createDecisions({
      sync,
      logger,
      consistencyTimeoutMs: config.AUTHZ_CONSISTENCY_TIMEOUT_MS,
      deniedSampleRate: config.AUTHZ_DENIED_SAMPLE_RATE,
      onDecision: (allowed) => decided.inc({ result: allowed ? 'allowed' : 'denied' }),
      onSampledDenial: (denial) => {
        deniedEvents.submit(denial);
      },
    }),
    deniedEvents,
    subjects: createSubjectLifecycle({ writer, defaultRole: config.AUTHZ_DEFAULT_ROLE }),
  };
  modules.set(context.database, module);
  return module;
}

/**
 * Loads the decision index before the server takes requests (and before the consumers run), keeps it
 * current while the service runs, and reports it in `/readyz`.
 */
export function authzIndexPlugin<P extends TProperties>(): ServicePlugin<P> {
  return {
    name: 'authz index',
    async start(context) {
      const authzContext = context as unknown as AuthzContext;
      const module = authzFor(authzContext);
      await module.sync.start();
      const retentionHours = authzContext.config.AUTHZ_CHANGE_LOG_RETENTION_HOURS;
      let pruning: NodeJS.Timeout | undefined;
      let stopped = false;
      const prune = () => {
        pruneChangeLog(module.db, { olderThanMs: retentionHours * 3_600_000 })
          .then((out) => {
            if (out.deleted > 0) authzContext.logger.info('authz change log pruned', out);
          })
          .catch((error: unknown) =>
            authzContext.logger.warn('authz change log pruning failed', { err: error }),
          )
          .finally(() => {
            if (stopped) return;
            pruning = setTimeout(prune, PRUNE_INTERVAL_MS);
            pruning.unref();
          });
      };
      if (retentionHours > 0) {
        // Instances started together spread their first run over a minute.
        pruning = setTimeout(prune, Math.floor(Math.random() * 60_000));
        pruning.unref();
      }
      return {
        readiness: {
          authz_index: async () => ({
            ok: true,
            detail: `revision ${module.sync.revision}${module.sync.listening ? ', listening' : ''}`,
          }),
        },
        stop: async () => {
          stopped = true;
          clearTimeout(pruning);
          // Samples already taken go to the outbox (another instance's relay, or the next start, publishes them).
          await module.deniedEvents.drain();
          await module.sync.stop();
        },
      };
    },
  };
}
