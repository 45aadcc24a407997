/**
 * SSRF protection (spec webhooks.md, OWASP SSRF cheat sheet): a delivery may only connect to public
 * unicast addresses. Loopback, private, link-local (incl. the cloud metadata address 169.254.169.254),
 * carrier-grade NAT, multicast, broadcast, reserved, unspecified and unique-local ranges are refused,
 * also when hidden in IPv4-mapped or NAT64/6to4 IPv6 forms. Checked on the resolved addresses at every
 * delivery, and the connection goes to the checked address (no second lookup: DNS rebinding fails).
 */
import ipaddr from 'ipaddr.js';

/** Why an address is refused, or null when it is a public unicast address. */
export function forbiddenAddressReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    else {
      const range = v6.range();
      // 6to4 and NAT64 embed an IPv4 address: judge that one. Teredo tunnels and the deprecated
      // IPv4-compatible form (::a.b.c.d, ::/96) are refused outright.
      if (range === 'teredo') return 'teredo';
      const parts = v6.parts;
      if (parts.slice(0, 6).every((p) => p === 0)) return 'ipv4Compatible';
      if (range === '6to4' || range === 'rfc6052') {
        const bytes = v6.toByteArray();
        const offset = range === '6to4' ? 2 : 12;
        parsed = new ipaddr.IPv4(bytes.slice(offset, offset + 4));
      }
    }
  }
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}
