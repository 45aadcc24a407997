/**
 * One HTTP attempt to a customer endpoint, with the SSRF rules applied at delivery time: the host name is
 * resolved here, every resolved address must be public (unless private targets are allowed), and the
 * connection goes to the checked address through the request's `lookup` hook, so a DNS answer that changes
 * between check and connect (rebinding) cannot redirect it. Redirects are not followed; the answer is read
 * up to 4 KiB; the whole attempt is bounded by the timeout.
 */
import { lookup as dnsLookup, Resolver } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { forbiddenAddressReason } from '../../domain/delivery/target-address.ts';

export const RESPONSE_EXCERPT_BYTES = 4096;

export type SendResult =
  | { kind: 'answered'; status: number; retryAfter: string | null; excerpt: string; latencyMs: number }
  | { kind: 'refused'; reason: string; latencyMs: number }
  | { kind: 'error'; reason: string; latencyMs: number };

export interface SendOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  /** Name resolution (tests may pin a name to an address). */
  resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>;
}

/** The system resolver (hosts file, `localhost`): development, where private targets are allowed. */
const systemLookup = (name: string) => dnsLookup(name, { all: true, verbatim: true });

/**
 * DNS over the network with c-ares (not the libuv thread pool `lookup` uses, which four slow names
 * could exhaust for the whole process), with its own timeout; A and AAAA answers together.
 */
function publicDnsLookup(timeoutMs: number) {
  const resolver = new Resolver({ timeout: Math.max(100, Math.floor(timeoutMs / 2)), tries: 2 });
  return async (name: string): Promise<Array<{ address: string; family: number }>> => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
    const addresses = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    if (addresses.length === 0 && v4.status === 'rejected') throw v4.reason;
    return addresses;
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function sendRequest(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const resolve =
    options.resolve ?? (options.allowPrivate ? systemLookup : publicDnsLookup(options.timeoutMs));
  let addresses: Array<{ address: string; family: number }>;
  try {
    // The name lookup counts within the attempt's time limit.
    addresses = /^[0-9.]+$|:/.test(host)
      ? [{ address: host, family: host.includes(':') ? 6 : 4 }]
      : await withTimeout(resolve(host), options.timeoutMs, `no answer for ${host}`);
  } catch (error) {
    return {
      kind: 'error',
      reason: `DNS: ${error instanceof Error ? error.message : String(error)}`,
      latencyMs: elapsed(),
    };
  }
  if (addresses.length === 0)
    return { kind: 'error', reason: `DNS: no address for ${host}`, latencyMs: elapsed() };
  if (!options.allowPrivate) {
    // Every address must be public: a name that also points inside is refused as a whole.
    for (const { address } of addresses) {
      const reason = forbiddenAddressReason(address);
      if (reason !== null) {
        return {
          kind: 'refused',
          reason: `${host} resolves to ${address} (${reason})`,
          latencyMs: elapsed(),
        };
      }
    }
  }
  const chosen = addresses[0] as { address: string; family: number };
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all === true) {
      (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [chosen]);
    } else callback(null, chosen.address, chosen.family);
  };
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolvePromise) => {
    let settled = false;
    const done = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolvePromise(result);
    };
    const request = transport.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinned,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_EXCERPT_BYTES) chunks.push(chunk.subarray(0, RESPONSE_EXCERPT_BYTES - size));
          size += chunk.length;
          if (size >= RESPONSE_EXCERPT_BYTES) response.destroy();
        });
        const finish = () =>
          done({
            kind: 'answered',
            status: response.statusCode ?? 0,
            retryAfter: (response.headers['retry-after'] as string | undefined) ?? null,
            excerpt: Buffer.concat(chunks).toString('utf8'),
            latencyMs: elapsed(),
          });
        response.on('end', finish);
        response.on('close', finish);
        response.on('error', finish);
      },
    );
    const timer = setTimeout(
      () => {
        request.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
      },
      Math.max(1, options.timeoutMs - elapsed()),
    );
    request.on('error', (error) => done({ kind: 'error', reason: error.message, latencyMs: elapsed() }));
    request.end(body);
  });
}
