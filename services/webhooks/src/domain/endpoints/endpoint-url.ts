/**
 * Endpoint URLs as accepted at creation (spec webhooks.md, "SSRF"): absolute http(s) without
 * credentials or fragment; `https` only, and no loopback/private literal or `localhost`-style host,
 * unless private targets are allowed (development). Names are checked again, resolved, at delivery.
 */
import { forbiddenAddressReason } from '../delivery/target-address.ts';

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

const LOCAL_NAMES = /(^|\.)(localhost|local|internal|home\.arpa|localdomain)$/i;

export function checkEndpointUrl(value: string, options: { allowPrivate: boolean }): UrlCheck {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  if (url.protocol !== 'https:' && !(options.allowPrivate && url.protocol === 'http:')) {
    return { ok: false, reason: options.allowPrivate ? 'must be http or https' : 'must use https' };
  }
  if (url.username !== '' || url.password !== '')
    return { ok: false, reason: 'must not contain credentials' };
  if (url.hash !== '') return { ok: false, reason: 'must not contain a fragment' };
  if (!options.allowPrivate) {
    // A trailing dot is the same name (`localhost.`): judge it without.
    const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
    if (LOCAL_NAMES.test(host) || (!host.includes('.') && !host.includes(':'))) {
      return { ok: false, reason: `host ${host} is not a public name` };
    }
    const reason = /^[0-9.]+$|:/.test(host) ? forbiddenAddressReason(host) : null;
    if (reason !== null) return { ok: false, reason: `host ${host} is a ${reason} address` };
  }
  return { ok: true, url };
}
