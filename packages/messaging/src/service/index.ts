export { type HandlerCoverage, handlerCoverage } from './coverage.ts';
export {
  type MessagingDeps,
  type MessagingHandlers,
  type MessagingHandlersInput,
  type MessagingPluginResult,
  type MessagingServiceContext,
  messagingPlugin,
} from './messaging-plugin.ts';
