import { randomUUID, type webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;

import type { components } from '@faceproof/openapi/types';
import {
  decodeProtectedHeader,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { nowIso, objectId } from './ids.js';

type Jwks = components['schemas']['Jwks'];
type PublicJwk = Jwks['keys'][number];

import type { SigningKey, Store } from './store/types.js';

export type TokenKind = 'client' | 'liveness-session' | 'app-registration' | 'result';
export const AUDIENCE: Record<TokenKind, string> = {
  client: 'faceproof:client',
  'liveness-session': 'faceproof:liveness-session',
  'app-registration': 'faceproof:app-registration',
  result: 'faceproof:result',
};
const KIND_BY_AUDIENCE = new Map(Object.entries(AUDIENCE).map(([k, v]) => [v, k as TokenKind]));
export const ISSUER = 'faceproof';

export type VerifyOutcome =
  | { ok: true; kind: TokenKind; payload: JWTPayload }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'expired'; kind?: TokenKind; payload: JWTPayload };

interface LoadedKey {
  kid: string;
  publicKey: CryptoKey;
  privateKey?: CryptoKey;
  publicJwk: PublicJwk;
  retiredAt?: string;
}

/**
 * The ES256 key ring: one current signing key, plus retired keys whose public halves stay in the
 * JWKS (and keep verifying) until every token they signed has expired.
 */
export class KeyRing {
  private keys = new Map<string, LoadedKey>();
  private current?: LoadedKey;
  private lastLoad = 0;

  constructor(
    private readonly store: Store,
    /** The longest lifetime of any token kind: how long a retired key stays published. */
    private readonly maxTokenTtlS: number,
  ) {}

  async load(): Promise<void> {
    let rows = await this.store.listSigningKeys();
    if (!rows.some((r) => !r.retiredAt)) {
      await this.rotate();
      rows = await this.store.listSigningKeys();
    }
    const next = new Map<string, LoadedKey>();
    for (const r of rows) next.set(r.kid, this.keys.get(r.kid) ?? (await importKey(r)));
    for (const [kid, k] of next) k.retiredAt = rows.find((r) => r.kid === kid)?.retiredAt;
    this.keys = next;
    this.current = [...next.values()].find((k) => !k.retiredAt);
    this.lastLoad = Date.now();
  }

  /** Creates a new current key; the previous one is retired (verifies, is published, no longer signs). */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `key-${objectId()}`;
    const pub = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    const priv = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
    const row: SigningKey = {
      kid,
      privateJwk: JSON.stringify(priv),
      publicJwk: JSON.stringify(pub),
      createdAt: nowIso(),
    };
    await this.store.rotateSigningKey(row);
    if (this.lastLoad) await this.load();
    return kid;
  }

  /** Reloads when another process (the CLI's `keys rotate`) may have changed the keys. */
  private async refresh(force = false) {
    if (force || Date.now() - this.lastLoad > 30_000) await this.load();
  }

  jwks(): Jwks {
    const cutoff = Date.now() - this.maxTokenTtlS * 1000;
    const keys = [...this.keys.values()]
      .filter((k) => !k.retiredAt || Date.parse(k.retiredAt) > cutoff)
      .sort((a, b) => (a.retiredAt ? 1 : 0) - (b.retiredAt ? 1 : 0));
    return { keys: keys.map((k) => k.publicJwk) };
  }

  async sign(kind: TokenKind, claims: JWTPayload & { sub: string }, expiresAt: Date, jti = randomUUID()) {
    await this.refresh();
    const key = this.current;
    if (!key?.privateKey) throw new Error('No signing key');
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE[kind])
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .setJti(jti)
      .sign(key.privateKey);
  }

  /**
   * Verifies signature, issuer and expiry (ES256 only: `alg: none` and every other algorithm fail),
   * and tells the token's kind from its audience. The caller decides what a wrong kind means.
   */
  async verify(token: string): Promise<VerifyOutcome> {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    if (!kid) return { ok: false, reason: 'invalid' };
    if (!this.keys.has(kid)) await this.refresh(true);
    const key = this.keys.get(kid);
    if (!key) return { ok: false, reason: 'invalid' };
    try {
      const { payload } = await jwtVerify(token, key.publicKey, { algorithms: ['ES256'], issuer: ISSUER });
      const kind = kindOf(payload);
      return kind ? { ok: true, kind, payload } : { ok: false, reason: 'invalid' };
    } catch (err) {
      if (err instanceof errors.JWTExpired)
        return { ok: false, reason: 'expired', kind: kindOf(err.payload), payload: err.payload };
      return { ok: false, reason: 'invalid' };
    }
  }
}

function kindOf(payload: JWTPayload): TokenKind | undefined {
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (aud.length !== 1 || typeof aud[0] !== 'string') return undefined;
  return KIND_BY_AUDIENCE.get(aud[0]);
}

async function importKey(r: SigningKey): Promise<LoadedKey> {
  // Written by rotate() as an ES256 public key with kid, alg and use: the spec's Jwk.
  const publicJwk = JSON.parse(r.publicJwk) as PublicJwk;
  return {
    kid: r.kid,
    publicJwk,
    publicKey: (await importJWK(publicJwk, 'ES256')) as CryptoKey,
    privateKey: (await importJWK(JSON.parse(r.privateJwk), 'ES256')) as CryptoKey,
    retiredAt: r.retiredAt,
  };
}

/** Issues a client access token and records its id, so that it can be revoked. */
export async function issueClientToken(store: Store, keys: KeyRing, clientId: string, ttlS: number) {
  const jti = randomUUID();
  const expiresAt = new Date(Date.now() + ttlS * 1000);
  await store.createClientToken({ jti, clientId, createdAt: nowIso(), expiresAt: expiresAt.toISOString() });
  const token = await keys.sign('client', { sub: clientId }, expiresAt, jti);
  return { token, jti, expiresAt };
}
