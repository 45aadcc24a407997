import { isIP } from 'node:net';

export interface ClientAddressSource {
  /** The TCP peer's address (`req.socket.remoteAddress`). */
  socketAddress: string | undefined;
  /** The `X-Forwarded-For` header(s), as received (several headers are joined in order). */
  xForwardedFor?: string | readonly string[] | undefined;
}

/**
 * Normalises an address: strips IPv6 brackets/zone and an IPv4 `:port`, unmaps `::ffff:a.b.c.d`,
 * lower-cases IPv6. Returns undefined when the result is not an IP address.
 */
export function normalizeIp(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let ip = raw.trim();
  if (ip.startsWith('[')) {
    const end = ip.indexOf(']');
    if (end < 0) return undefined;
    ip = ip.slice(1, end);
  } else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(ip)) {
    ip = ip.slice(0, ip.lastIndexOf(':'));
  }
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  ip = ip.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (mapped?.[1] !== undefined) ip = mapped[1];
  return isIP(ip) === 0 ? undefined : ip;
}

/** The placeholder address when nothing usable is known (all such requests share one bucket). */
export const UNKNOWN_IP = 'unknown';

/**
 * The client address of throttling and events, from what express resolved with the service's one
 * proxy setting, `TRUST_PROXY` (`req.ip`, by `proxy-addr`: the first `X-Forwarded-For` entry from
 * the right that a trusted proxy did not write), normalised. An entry that is not an IP address
 * (a misconfigured proxy count lets the client write it) falls back to the socket peer, so garbage
 * never becomes a throttling key; nothing usable gives `UNKNOWN_IP` (one shared bucket).
 */
export function clientAddress(resolved: string | undefined, socketAddress: string | undefined): string {
  return normalizeIp(resolved) ?? normalizeIp(socketAddress) ?? UNKNOWN_IP;
}

/** A numeric `TRUST_PROXY` as a hop count for `clientIp`; any other setting gives 0 (the socket address). */
export function trustedHopsOf(trustProxy: unknown): number {
  return typeof trustProxy === 'number' && Number.isInteger(trustProxy) && trustProxy > 0 ? trustProxy : 0;
}

/**
 * @deprecated Use `clientAddress(req.ip, req.socket.remoteAddress)` (http/client-ip.ts), which
 * follows every form of `TRUST_PROXY`; kept only until http/oauth-routes.ts switches to it.
 *
 * The client's IP address. `X-Forwarded-For` is believed only through `trustedHops` proxies: each
 * trusted proxy appends the address it received the request from, so with `n` trusted hops the
 * client is the `n`-th entry from the right (the socket peer being the nearest proxy). Entries
 * further left were written by the client and are ignored. With 0 hops (the default) the header is
 * ignored and the socket address is used. With fewer entries than hops, the leftmost entry is
 * taken (as Express's `trust proxy = n`). An entry that is not an IP address in the trusted part
 * stops the walk at the last good address, so garbage never becomes a throttling key.
 */
export function clientIp(source: ClientAddressSource, trustedHops: number): string {
  const socket = normalizeIp(source.socketAddress);
  const hops = Number.isInteger(trustedHops) && trustedHops > 0 ? trustedHops : 0;
  if (hops === 0) return socket ?? UNKNOWN_IP;
  const header = source.xForwardedFor;
  const joined = header === undefined ? '' : typeof header === 'string' ? header : header.join(',');
  const entries = joined
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  // Walk from the socket peer leftwards, one trusted hop at a time.
  let current = socket;
  for (let i = 0; i < hops && i < entries.length; i++) {
    const next = normalizeIp(entries[entries.length - 1 - i]);
    if (next === undefined) break;
    current = next;
  }
  return current ?? UNKNOWN_IP;
}

/** Expands an IPv6 address into 8 groups of 16 bits (undefined when not IPv6). */
function ipv6Groups(ip: string): number[] | undefined {
  if (isIP(ip) !== 6) return undefined;
  let text = ip;
  // A trailing dotted IPv4 (e.g. `64:ff9b::1.2.3.4`) becomes its two 16-bit groups.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const missing = 8 - left.length - right.length;
  if (rest === undefined && missing !== 0) return undefined;
  return [...left, ...new Array<number>(Math.max(0, missing)).fill(0), ...right];
}

/**
 * The throttling bucket of an address: IPv4 as is, IPv6 by its /64 prefix (one host usually owns a
 * whole /64, so per-address limits would be escaped by rotating addresses inside it).
 */
export function ipBucket(ip: string): string {
  const groups = ipv6Groups(ip);
  if (groups === undefined) return ip;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
