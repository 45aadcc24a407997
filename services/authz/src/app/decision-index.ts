/** The decision index as the service uses it (the domain's `createAuthzIndex`). */
export type { AuthzIndex as DecisionIndex } from '../domain/index.ts';
