import type { BaseConfig } from '../config/base-schema.ts';

/** What every AWS SDK client of a service is built with: region, emulator endpoint, static credentials. */
export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * The client configuration from the validated config rather than from `process.env`, so a service
 * started with its own environment (tests, several in one process) talks to its own broker.
 * Without static keys the SDK's default chain (instance role, SSO, ...) applies.
 */
export function awsClientConfig(config: BaseConfig): AwsClientConfig {
  return {
    region: config.AWS_REGION,
    ...(config.AWS_ENDPOINT_URL === undefined ? {} : { endpoint: config.AWS_ENDPOINT_URL }),
    ...(config.AWS_ACCESS_KEY_ID === undefined || config.AWS_SECRET_ACCESS_KEY === undefined
      ? {}
      : {
          credentials: {
            accessKeyId: config.AWS_ACCESS_KEY_ID,
            secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
          },
        }),
  };
}
