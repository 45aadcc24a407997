// Types of detect.js (plain JS because jest's globalSetup loads it untransformed).
export type DatabaseChoice =
  | { kind: 'postgres'; source: 'DATABASE_URL'; url: string }
  | { kind: 'postgres'; source: 'testcontainers' }
  | { kind: 'pglite'; source: 'pglite' };
export type BrokerChoice =
  | { source: 'AWS_ENDPOINT_URL'; endpoint: string }
  | { source: 'localstack' }
  | { source: 'fauxqs' };
export type EmailChoice = { source: 'SES_ENDPOINT_URL'; endpoint: string } | { source: 'aws-ses-v2-local' };
export interface Backends {
  database: DatabaseChoice;
  broker: BrokerChoice;
  email: EmailChoice;
  docker: boolean;
}
export declare function chooseBackends(
  env?: NodeJS.ProcessEnv,
  dockerAvailable?: () => Promise<boolean>,
): Promise<Backends>;
export declare function describeBackends(backends: Backends): string;
