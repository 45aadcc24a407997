/**
 * Who is calling, as the routes report it to the use cases: the client address as express resolved
 * it from `TRUST_PROXY` (service-kit's shared setting, the only one: see `clientAddress`) and the
 * user agent.
 */
import { clientAddress } from '../domain/throttle/index.ts';

/** The parts of an express `Request` used here. */
export interface RequestLike {
  ip?: string | undefined;
  socket: { remoteAddress?: string | undefined };
  headers: Record<string, string | string[] | undefined>;
}

export function clientOf(req: RequestLike): { ip: string; userAgent: string | undefined } {
  const userAgent = req.headers['user-agent'];
  return {
    ip: clientAddress(req.ip, req.socket.remoteAddress),
    userAgent: typeof userAgent === 'string' ? userAgent : undefined,
  };
}
