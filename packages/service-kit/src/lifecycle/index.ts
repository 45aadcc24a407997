export type { ClosableServer, CloseHttpServerOptions } from './http-server.ts';
export { closeHttpServer } from './http-server.ts';
export type { Closer, Lifecycle, LifecycleOptions } from './lifecycle.ts';
export { createLifecycle } from './lifecycle.ts';
export type { LoggerLike } from './logger.ts';
