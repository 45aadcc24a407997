export * from './platform.ts';
export * from './runtime.ts';
