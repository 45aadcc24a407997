export type { BootstrapTopologyOptions, BootstrapTopologyResult, TopologyLogger } from './bootstrap.ts';
export { bootstrapTopology } from './bootstrap.ts';
export type { TopologyErrorCode } from './errors.ts';
export { TopologyError } from './errors.ts';
export { LOCALSTACK_SCRIPT_PATH, renderLocalstackScript } from './localstack-script.ts';
export type { QueueAttributes } from './resources.ts';
export {
  DLQ_RETENTION_SEC,
  deadLetterAttributes,
  queueAttributes,
  SUBSCRIPTION_ATTRIBUTES,
  sameAttributeValue,
  snsDeliveryPolicy,
} from './resources.ts';
