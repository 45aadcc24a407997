/** The five services of the platform, where they live and the port each listens on (spec README). */
export interface PlatformService {
  name: 'identity' | 'authz' | 'notifications' | 'webhooks' | 'audit';
  port: number;
  description: string;
}

export const PLATFORM_SERVICES: readonly PlatformService[] = [
  { name: 'identity', port: 3001, description: 'accounts, sessions, tokens, OAuth 2' },
  { name: 'authz', port: 3002, description: 'roles, groups, grants, decisions' },
  { name: 'notifications', port: 3003, description: 'email and SMS delivery' },
  { name: 'webhooks', port: 3004, description: 'customer endpoints and deliveries' },
  { name: 'audit', port: 3005, description: 'tamper-evident audit log' },
];

export const BROKER_PORT = 4566;
export const SES_PORT = 8005;
