// Types of lazy-endpoint.js (plain JS because jest's globalSetup loads it untransformed).
export interface Upstream {
  host: string;
  port: number;
  stop: () => Promise<void>;
}
export interface LazyEndpoint {
  host: string;
  port: number;
  started: () => boolean;
  close: () => Promise<void>;
}
export declare function lazyEndpoint(
  name: string,
  start: () => Promise<Upstream>,
  log?: (line: string) => void,
): Promise<LazyEndpoint>;
