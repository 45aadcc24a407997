export {
  activeTraceIds,
  type JsonLineOptions,
  jsonLineFormat,
  redactFormat,
  type TraceIds,
} from './formats.ts';
export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export { redact, redactNamed } from './redact.ts';
export { REDACTED, scrubString } from './scrub.ts';
export { isSensitiveKey } from './sensitive-keys.ts';
