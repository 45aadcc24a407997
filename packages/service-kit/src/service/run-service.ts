import type { TProperties } from '@sinclair/typebox';
import { exitOnConfigError } from '../config/exit.ts';
import type { ServiceDefinition } from './definition.ts';
import { type RunningService, type StartServiceOptions, startService } from './start-service.ts';

/**
 * Runs a service as a process: starts it, stops it gracefully on SIGTERM/SIGINT (within 10 s), and
 * exits 1 with every bad variable named when the configuration is invalid.
 */
export async function runService<P extends TProperties>(
  definition: ServiceDefinition<P>,
  options: Pick<StartServiceOptions, 'telemetry'> = {},
): Promise<RunningService<P>> {
  try {
    const running = await startService(definition, options);
    running.lifecycle.installSignalHandlers();
    return running;
  } catch (error) {
    exitOnConfigError(error);
  }
}
