export * from './aws.ts';
export * from './definition.ts';
export { runService } from './run-service.ts';
export {
  type RunningService,
  type StartServiceOptions,
  startService,
  withKitMigrations,
} from './start-service.ts';
