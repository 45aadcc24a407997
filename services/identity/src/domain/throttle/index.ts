export type { AttemptCount, AttemptStore, GatedAttemptStore, GateResult } from './attempt-store.ts';
export type { ClientAddressSource } from './client-ip.ts';
export { clientAddress, clientIp, ipBucket, normalizeIp, trustedHopsOf, UNKNOWN_IP } from './client-ip.ts';
export type {
  LoginSubject,
  LoginThrottle,
  LoginThrottleOptions,
  ThrottleDecision,
} from './login-throttle.ts';
export { accountKey, createLoginThrottle } from './login-throttle.ts';
