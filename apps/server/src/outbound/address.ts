import { BlockList, isIP } from 'node:net';

/**
 * The addresses a webhook must not reach unless the operator allows them: the host's own network.
 * Each range names the reason the delivery log records.
 */
const RANGES: [reason: string, net: string, prefix: number, family: 'ipv4' | 'ipv6'][] = [
  ['a loopback address', '127.0.0.0', 8, 'ipv4'],
  ['a loopback address', '::1', 128, 'ipv6'],
  ['a private address', '10.0.0.0', 8, 'ipv4'],
  ['a private address', '172.16.0.0', 12, 'ipv4'],
  ['a private address', '192.168.0.0', 16, 'ipv4'],
  ['a private address', 'fc00::', 7, 'ipv6'],
  ['a link-local address', '169.254.0.0', 16, 'ipv4'],
  ['a link-local address', 'fe80::', 10, 'ipv6'],
  ['a shared (CGNAT) address', '100.64.0.0', 10, 'ipv4'],
  // NAT64 maps IPv4 addresses, private ones included, into this prefix.
  ['a NAT64 address', '64:ff9b::', 96, 'ipv6'],
  ['a NAT64 address', '64:ff9b:1::', 48, 'ipv6'],
];

/** Never a webhook receiver, whatever the operator allows. */
const NEVER: [reason: string, net: string, prefix: number, family: 'ipv4' | 'ipv6'][] = [
  ['an unspecified address', '0.0.0.0', 8, 'ipv4'],
  ['an unspecified address', '::', 128, 'ipv6'],
  ['a multicast address', '224.0.0.0', 4, 'ipv4'],
  ['a multicast address', 'ff00::', 8, 'ipv6'],
  ['a reserved address', '240.0.0.0', 4, 'ipv4'],
];

function listOf(ranges: typeof RANGES) {
  const lists = new Map<string, BlockList>();
  for (const [reason, net, prefix, family] of ranges) {
    const list = lists.get(reason) ?? new BlockList();
    list.addSubnet(net, prefix, family);
    lists.set(reason, list);
  }
  return [...lists];
}

const PRIVATE = listOf(RANGES);
const FORBIDDEN = listOf(NEVER);

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:7f00:1`, `::ffff:127.0.0.1`). */
function unmapped(address: string): string {
  const m = /^(?:::|0:0:0:0:0:)ffff:(.+)$/i.exec(address);
  const tail = m?.[1];
  if (!tail) return address;
  if (isIP(tail) === 4) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex?.[1] || !hex[2]) return address;
  const hi = Number.parseInt(hex[1], 16);
  const lo = Number.parseInt(hex[2], 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/**
 * Why a webhook may not connect to `address` (an IP address, without brackets), or `undefined`
 * when it may. `allowPrivate` lets the host's own network through (self-hosted setups); the
 * unspecified, multicast and reserved ranges stay refused.
 */
export function addressRefusal(address: string, allowPrivate: boolean): string | undefined {
  const ip = unmapped(address);
  const family = isIP(ip) === 4 ? 'ipv4' : isIP(ip) === 6 ? 'ipv6' : undefined;
  if (!family) return 'not an IP address';
  const lists = allowPrivate ? FORBIDDEN : [...FORBIDDEN, ...PRIVATE];
  for (const [reason, list] of lists) if (list.check(ip, family)) return reason;
  return undefined;
}
