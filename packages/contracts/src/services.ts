/** The five services of the platform, in the order the spec lists them. */
export const SERVICE_NAMES = ['identity', 'authz', 'notifications', 'webhooks', 'audit'] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

export function isServiceName(value: unknown): value is ServiceName {
  return typeof value === 'string' && (SERVICE_NAMES as readonly string[]).includes(value);
}
