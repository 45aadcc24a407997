import { createRequire } from 'node:module';
import { diag } from '@opentelemetry/api';

/** Modules the default instrumentations patch, as imported by ESM code. */
export const INSTRUMENTED_MODULES: ReadonlyArray<string | RegExp> = [
  'express',
  'pg',
  'pg-pool',
  /^@aws-sdk\//,
  /^@smithy\//,
];

interface RegisterHooks {
  register(options: { include?: Array<string | RegExp> }): void;
  supportsSyncHooks(): boolean;
}

let registered = false;

/**
 * ESM `import` bypasses the `require` hook that instrumentations use, so `import express from
 * 'express'` would not be traced. import-in-the-middle's synchronous loader hook
 * (`module.registerHooks`, Node ≥ 24.11.1) lets them patch ES modules too; it is limited to the
 * instrumented packages. import-in-the-middle is not a direct dependency: it is resolved through
 * `@opentelemetry/instrumentation`, the package that uses it, so both see the same copy.
 * Returns whether the hook is active; on failure tracing still works for CommonJS and `node:http`.
 */
export function registerEsmHooks(include: ReadonlyArray<string | RegExp> = INSTRUMENTED_MODULES): boolean {
  if (registered) return true;
  try {
    const fromHere = createRequire(import.meta.url);
    const instrumentationHttp = fromHere.resolve('@opentelemetry/instrumentation-http');
    const instrumentation = createRequire(instrumentationHttp).resolve('@opentelemetry/instrumentation');
    // require(esm): synchronous, so startTelemetry can stay synchronous.
    const hooks = createRequire(instrumentation)('import-in-the-middle/register-hooks.mjs') as RegisterHooks;
    if (!hooks.supportsSyncHooks()) {
      diag.warn(
        'telemetry: this Node.js cannot run synchronous loader hooks; ES modules are not instrumented',
      );
      return false;
    }
    hooks.register({ include: [...include] });
    registered = true;
    return true;
  } catch (error) {
    diag.warn('telemetry: ES module instrumentation is unavailable', error);
    return false;
  }
}
