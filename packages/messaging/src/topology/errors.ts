/** Stable machine codes of topology bootstrap failures. */
export type TopologyErrorCode =
  /** The environment prefix (or a name built from it) is not valid for SNS/SQS. */
  | 'invalid_prefix'
  /** A subscription names a topic or queue the topology does not define. */
  | 'invalid_topology'
  /** The broker endpoint did not answer. */
  | 'broker_unreachable'
  /** The broker refused a call; `cause` is the SDK error. */
  | 'bootstrap_failed';

export class TopologyError extends Error {
  readonly code: TopologyErrorCode;

  constructor(code: TopologyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TopologyError';
    this.code = code;
  }
}
