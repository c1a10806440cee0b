import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { addressRefusal } from './address.js';

export interface OutboundPolicy {
  /** Host names or IP addresses let through whatever they resolve to (`WEBHOOK_ALLOWED_HOSTS`). */
  allowedHosts: string[];
  /** Lets the host's own networks (loopback, private, link-local, CGNAT) through (`WEBHOOK_ALLOW_PRIVATE_NETWORKS`). */
  allowPrivateNetworks: boolean;
  connectTimeoutMs: number;
}

const REFUSED = 'FACEPROOF_OUTBOUND_REFUSED';

/** A connection the policy refused: permanent for this URL, and its message says why. */
export class OutboundRefusedError extends Error {
  readonly code = REFUSED;
}

/** Whether `err` (or an error it wraps) is a refusal by the policy rather than a network failure. */
export function isRefusal(err: unknown): err is OutboundRefusedError {
  for (let e = err; e instanceof Error; e = e.cause)
    if ((e as { code?: unknown }).code === REFUSED) return true;
  return false;
}

const bare = (host: string) => host.replace(/^\[|\]$/g, '').toLowerCase();

/**
 * The dispatcher every webhook is delivered through. The check happens where the socket is
 * opened: an IP literal is checked as is, a name in the `lookup` the connection itself uses, so
 * the address checked is the address connected to (DNS rebinding cannot slip past an earlier
 * check). It has no redirect interceptor, so a `3xx` is answered as it is, never followed.
 */
export function outboundAgent(policy: OutboundPolicy): Agent {
  const allowed = new Set(policy.allowedHosts.map(bare));
  const refusal = (host: string, address: string) =>
    allowed.has(bare(host)) || allowed.has(address)
      ? undefined
      : addressRefusal(address, policy.allowPrivateNetworks);
  const explain = (host: string, address: string, why: string) =>
    new OutboundRefusedError(
      `refused to connect to ${host}${host === address ? '' : ` (${address})`}: ${why}; ` +
        'allow it with WEBHOOK_ALLOWED_HOSTS or WEBHOOK_ALLOW_PRIVATE_NETWORKS=true',
    );

  const checkedLookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      // Every address must pass: a name answering one public and one private address is refused.
      for (const a of addresses) {
        const why = refusal(hostname, a.address);
        if (why) return callback(explain(hostname, a.address, why), '', 0);
      }
      if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };

  const connector = buildConnector({ lookup: checkedLookup, timeout: policy.connectTimeoutMs });
  return new Agent({
    connect(opts, callback) {
      const host = bare(opts.hostname);
      if (!allowed.has(host)) {
        // Node skips `lookup` for IP literals, so they are checked here.
        const why = isIP(host) ? refusal(host, host) : undefined;
        if (why) return callback(explain(host, host, why), null);
      }
      connector(opts, callback);
    },
  });
}
