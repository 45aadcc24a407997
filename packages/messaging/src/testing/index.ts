export { TestingError, type TestingErrorCode } from './errors.ts';
export {
  INVALID_BODIES,
  type InvalidBody,
  messageAttributes,
  publishDuplicate,
  publishInvalid,
  type QueueTarget,
  type SendableMessage,
  sendMessage,
  sendMessages,
} from './publish.ts';
export {
  createQueueWithDlq,
  type QueueDepth,
  type QueueWithDlq,
  type QueueWithDlqOptions,
  queueDepth,
  type WaitUntilOptions,
  waitUntil,
} from './queues.ts';
export { type ConsumerSpy, createConsumerSpy, type SpyFilter, type WaitForOptions } from './spy.ts';
