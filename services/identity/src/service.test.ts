import { describeServiceConformance } from '@authplatform/service-kit/testing';
import { service } from './service.ts';

describeServiceConformance(service);
