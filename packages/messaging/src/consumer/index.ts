export { AckBuffer, type AckBufferOptions } from './ack-buffer.ts';
export { type BackoffOptions, backoffDelaySec, MAX_VISIBILITY_SEC } from './backoff.ts';
export { createConsumer } from './consumer.ts';
export type { ConsumableMessage, ParseResult } from './contracts.ts';
export {
  DEAD_LETTER_ATTRIBUTES,
  deadLetterAttributes,
  describeError,
  originalAttributes,
  receiveCountOf,
} from './dead-letter.ts';
export { ConsumerError, type ConsumerErrorCode } from './errors.ts';
export {
  type ConsumeResult,
  type ConsumerMetrics,
  consumerMetrics,
  type DeadLetterReason,
} from './metrics.ts';
export { extractTraceContext } from './trace.ts';
export type {
  Consumer,
  ConsumerEvent,
  ConsumerEventKind,
  ConsumerLogger,
  ConsumerOptions,
  HandlerContext,
  HandlerMap,
  MessageHandler,
  StopOptions,
} from './types.ts';
