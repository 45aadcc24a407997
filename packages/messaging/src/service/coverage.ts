import { handledEvents, type ServiceName } from '@authplatform/contracts';

export interface HandlerCoverage {
  /** Types the topology delivers to the service's inbox that it has no handler for. */
  missing: string[];
  /** Handlers for types the topology never delivers to the service (a handler that can never run). */
  unexpected: string[];
}

/** Compares a service's event handlers with the types its inbox subscriptions deliver. */
export function handlerCoverage(service: ServiceName, handled: Iterable<string>): HandlerCoverage {
  const declared = new Set<string>(handledEvents[service]);
  const given = new Set(handled);
  return {
    missing: [...declared].filter((type) => !given.has(type)).sort(),
    unexpected: [...given].filter((type) => !declared.has(type)).sort(),
  };
}
