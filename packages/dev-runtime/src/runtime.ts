import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Child, spawnService, stopChild } from './children.ts';
import { type RunningEmulator, startBroker, startEmail } from './emulators.ts';
import { BROKER_PORT, PLATFORM_SERVICES, type PlatformService, SES_PORT } from './platform.ts';
import { waitForReady } from './readiness.ts';
import { createTopology } from './topology.ts';

export interface RuntimeOptions {
  /** Repository root (holds `services/`). */
  root: string;
  /** Where PGlite and the broker keep their files when no DATABASE_URL is set. */
  dataDir: string;
  brokerPort?: number;
  sesPort?: number;
  services?: readonly PlatformService[];
  /** Environment inherited by every service (DATABASE_URL, LOG_LEVEL, ...). */
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
  /** Aborts a start in progress (Ctrl-C while services boot): everything started is stopped. */
  signal?: AbortSignal;
  /** Called when a service exits while the platform runs (not during `stop()`). */
  onServiceExit?: (name: string, code: number | null) => void;
}

export interface RunningPlatform {
  emulators: RunningEmulator[];
  services: { service: PlatformService; url: string; readyMs: number }[];
  stop(): Promise<void>;
}

/** The environment one service gets in the embedded runtime. */
export function serviceEnv(
  service: PlatformService,
  opts: { dataDir: string; brokerUrl: string; sesUrl: string; identityUrl: string; base: NodeJS.ProcessEnv },
): NodeJS.ProcessEnv {
  const identity = opts.identityUrl;
  return {
    ...opts.base,
    NODE_ENV: opts.base.NODE_ENV ?? 'development',
    HOST: '127.0.0.1',
    PORT: String(service.port),
    DATA_DIR: opts.dataDir,
    ENV_PREFIX: opts.base.ENV_PREFIX ?? 'dev',
    AWS_REGION: opts.base.AWS_REGION ?? 'us-east-1',
    AWS_ENDPOINT_URL: opts.brokerUrl,
    AWS_ACCESS_KEY_ID: opts.base.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: opts.base.AWS_SECRET_ACCESS_KEY ?? 'test',
    SES_ENDPOINT_URL: opts.sesUrl,
    TOKEN_ISSUER: opts.base.TOKEN_ISSUER ?? identity,
    TOKEN_AUDIENCE: opts.base.TOKEN_AUDIENCE ?? 'authplatform',
    JWKS_URL: opts.base.JWKS_URL ?? `${identity}/.well-known/jwks.json`,
    // Notifications: SMS (one-time codes) go to the dev outbox, readable at GET /v1/dev/outbox; email
    // goes to the SES emulator above (its web inbox). Never in production (the service refuses it).
    ...(service.name === 'notifications' && (opts.base.NODE_ENV ?? 'development') !== 'production'
      ? { DEV_OUTBOX: opts.base.DEV_OUTBOX ?? 'true' }
      : {}),
    // Webhooks: local receivers (http://127.0.0.1:…) are the usual targets in development. Never in
    // production (the service refuses it).
    ...(service.name === 'webhooks' && (opts.base.NODE_ENV ?? 'development') !== 'production'
      ? { WEBHOOKS_ALLOW_PRIVATE_TARGETS: opts.base.WEBHOOKS_ALLOW_PRIVATE_TARGETS ?? 'true' }
      : {}),
  };
}

/** Starts the emulators, then every service, and waits until each answers `/readyz`. */
export async function startPlatform(options: RuntimeOptions): Promise<RunningPlatform> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const services = options.services ?? PLATFORM_SERVICES;
  const emulators: RunningEmulator[] = [];
  const children: Child[] = [];
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(children.map((child) => stopChild(child, 10_000)));
    for (const emulator of emulators.reverse()) await emulator.stop();
  };

  try {
    const broker = await startBroker(options.brokerPort ?? BROKER_PORT, options.dataDir);
    emulators.push(broker);
    const email = await startEmail(options.sesPort ?? SES_PORT);
    emulators.push(email);
    const base = options.env ?? process.env;
    const prefix = base.ENV_PREFIX ?? 'dev';
    // The services get the same region (serviceEnv), so they find what this creates.
    const changes = await createTopology(broker.url, prefix, base.AWS_REGION ?? 'us-east-1');
    log(`topology '${prefix}': ${changes.length === 0 ? 'already in place' : `${changes.length} change(s)`}`);

    services.forEach((service, index) => {
      const script = join(options.root, 'services', service.name, 'dist', 'main.js');
      if (!existsSync(script)) throw new Error(`${script} is missing: build first (pnpm run build)`);
      const env = serviceEnv(service, {
        dataDir: options.dataDir,
        brokerUrl: broker.url,
        sesUrl: email.url,
        identityUrl: `http://127.0.0.1:${services.find((s) => s.name === 'identity')?.port ?? 3001}`,
        base: options.env ?? process.env,
      });
      children.push(
        spawnService(service.name, index, script, env, join(options.root, 'services', service.name)),
      );
    });

    const ready = await Promise.all(
      services.map(async (service, index) => {
        const child = children[index];
        const url = `http://127.0.0.1:${service.port}`;
        const readyMs = await waitForReady(
          `${url}/readyz`,
          options.readyTimeoutMs ?? 60_000,
          () =>
            options.signal?.aborted !== true &&
            child !== undefined &&
            child.process.exitCode === null &&
            child.process.signalCode === null,
        );
        return { service, url, readyMs };
      }),
    );
    for (const child of children) {
      void child.exited.then((code) => {
        if (!stopped) options.onServiceExit?.(child.name, code);
      });
    }
    log(`platform ready (${Math.max(...ready.map((r) => r.readyMs))} ms)`);
    return { emulators, services: ready, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The table printed once everything is ready. */
export function describePlatform(platform: RunningPlatform): string {
  const lines = ['', 'Auth platform is running (Ctrl-C stops everything):', ''];
  for (const { service, url } of platform.services) {
    lines.push(`  ${service.name.padEnd(14)} ${url}/docs   (${service.description})`);
    lines.push(`  ${''.padEnd(14)} ${url}/openapi.json  ${url}/healthz  ${url}/readyz  ${url}/metrics`);
  }
  lines.push('');
  for (const emulator of platform.emulators) lines.push(`  ${emulator.name.padEnd(24)} ${emulator.url}`);
  const ses = platform.emulators.find((e) => e.name.startsWith('ses'));
  if (ses !== undefined) lines.push(`  email inbox              ${ses.url}/`);
  lines.push('');
  return lines.join('\n');
}
