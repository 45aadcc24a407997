/** Stable machine codes of contract failures. */
export type ContractErrorCode =
  | 'invalid_event'
  | 'invalid_event_data'
  | 'unknown_event_type'
  | 'invalid_command'
  | 'unknown_command_type'
  | 'invalid_sequence'
  | 'invalid_prefix'
  | 'invalid_topology';

/** A value does not satisfy the event or command contracts, or a topology is inconsistent. */
export class ContractError extends Error {
  readonly code: ContractErrorCode;

  constructor(code: ContractErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ContractError';
    this.code = code;
  }
}
