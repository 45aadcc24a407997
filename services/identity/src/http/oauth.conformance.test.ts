/** The shared conformance suite (health, OpenAPI, config errors, shutdown) with the OAuth 2 client routes wired in. */
import { describeServiceConformance } from '@authplatform/service-kit/testing';
import { serviceWithClients } from './oauth.test-support.ts';

describeServiceConformance(serviceWithClients);
