export { DLQ_USAGE, type DlqCliIo, runDlqCli } from './cli.ts';
export {
  type DeadLetter,
  type DeadLetterQueue,
  type ListOptions,
  listDeadLetters,
  MAX_RECEIVE_COUNT_REASON,
  type RedriveOutcome,
  type RedriveSelection,
  redrive,
  type ScanOptions,
  showDeadLetter,
  toDeadLetter,
} from './dlq.ts';
export { DlqError, type DlqErrorCode } from './errors.ts';
