/**
 * Helpers for the tests of services built on service-kit (`@authplatform/service-kit/testing`):
 * a real local token issuer (JWKS server + ES256 signing) and problem assertions.
 */
export * from '../auth/testing/expect-problem.ts';
export * from '../auth/testing/test-issuer.ts';
export * from './conformance.ts';
export * from './fuzz.ts';
export * from './service-harness.ts';
