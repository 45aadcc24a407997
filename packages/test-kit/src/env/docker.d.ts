// Types of docker.js (plain JS because jest's globalSetup loads it untransformed).
export declare function dockerEndpoints(env?: NodeJS.ProcessEnv): string[];
export declare function pingDocker(endpoint: string, timeoutMs: number): Promise<boolean>;
export declare function isDockerAvailable(options?: {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<boolean>;
