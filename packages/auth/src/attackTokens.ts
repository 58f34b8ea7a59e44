import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JSONWebKeySet, type JWTPayload, type KeyInput } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from './claims.ts';
import type { TestIssuer } from './testIssuer.ts';

/** A forged or bad token, and the refusal (the verifier's detail) that only its own check gives. */
export interface AttackToken {
  token: string;
  refusal: RegExp;
}

export interface AttackTokens {
  /** The issuer's keys plus an ES256 key, so that an algorithm outside the allow-list has a key to verify with. */
  jwks: JSONWebKeySet;
  attacks: Record<string, AttackToken>;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** What the attacks are made from: the issuer, its real key and kid, and claims at `now`. */
interface Arsenal {
  issuer: TestIssuer;
  kid: string;
  /** The issuer's public key's x (the HS256 confusion signs with it). */
  publicX: string;
  now: number;
  claims: (overrides?: JWTPayload) => JWTPayload;
}

/**
 * The RFC 8725 attacks, each aimed at one check: bad claims carry a valid
 * signature by the issuer's real key, so only the claim check can refuse
 * them; algorithm attacks carry the real kid, so only the allow-list can.
 * Verify with `jwks` (not the issuer's own set) to arm the ES256 case.
 */
export async function createAttackTokens(issuer: TestIssuer, nowMs = Date.now()): Promise<AttackTokens> {
  const key = issuer.jwks.keys[0]!;
  const kid = key.kid!;
  const now = Math.floor(nowMs / 1000);
  const claims = (overrides: JWTPayload = {}): JWTPayload => ({
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    sub: randomUUID(),
    jti: randomUUID(),
    role: 'admin',
    email: 'x@y.z',
    iat: now,
    nbf: now,
    exp: now + 300,
    ...overrides,
  });
  const arsenal: Arsenal = { issuer, kid, publicX: String(key.x), now, claims };
  const es = await esKey(arsenal);
  return {
    jwks: { keys: [...issuer.jwks.keys, es.jwk] },
    attacks: {
      ...(await algorithmAttacks(arsenal, es)),
      ...(await claimAttacks(arsenal)),
      ...(await signatureAttacks(arsenal)),
    },
  };
}

type EsKey = { kid: string; jwk: JSONWebKeySet['keys'][number]; privateKey: KeyInput };

/** An ES256 key published in the set beside the issuer's: a key the allow-list must still refuse. */
async function esKey({ kid }: Arsenal): Promise<EsKey> {
  const es = await generateKeyPair('ES256', { extractable: true });
  const esKid = `${kid}-es256`;
  const jwk = { ...(await exportJWK(es.publicKey)), kid: esKid, alg: 'ES256', use: 'sig' };
  return { kid: esKid, jwk, privateKey: es.privateKey };
}

async function algorithmAttacks({ kid, publicX, claims }: Arsenal, es: EsKey): Promise<Record<string, AttackToken>> {
  return {
    'alg none with the real kid': {
      token: `${b64({ alg: 'none', kid, typ: 'JWT' })}.${b64(claims())}.AAAA`,
      refusal: /algorithm that is not allowed/,
    },
    'HS256 keyed with the public key (algorithm confusion)': {
      token: await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
        .sign(Buffer.from(publicX, 'base64url')),
      refusal: /algorithm that is not allowed/,
    },
    'ES256 by a key of the set, outside the allow-list': {
      token: await new SignJWT(claims())
        .setProtectedHeader({ alg: 'ES256', kid: es.kid, typ: 'JWT' })
        .sign(es.privateKey),
      refusal: /algorithm that is not allowed/,
    },
  };
}

async function claimAttacks({ issuer, now, claims }: Arsenal): Promise<Record<string, AttackToken>> {
  const { exp: _exp, ...withoutExp } = claims();
  return {
    'wrong audience, real key': {
      token: await issuer.sign(claims({ aud: 'urn:shop:other-api' })),
      refusal: /another audience/,
    },
    'wrong issuer, real key': {
      token: await issuer.sign(claims({ iss: 'urn:evil:issuer' })),
      refusal: /another issuer/,
    },
    'not valid before ten minutes from now, real key': {
      token: await issuer.sign(claims({ nbf: now + 600, exp: now + 900 })),
      refusal: /not valid yet/,
    },
    'expired two minutes ago, real key': {
      token: await issuer.sign(claims({ iat: now - 1000, nbf: now - 1000, exp: now - 120 })),
      refusal: /expired/,
    },
    'no expiry at all, real key': { token: await issuer.sign(withoutExp), refusal: /lacks the exp claim/ },
  };
}

async function signatureAttacks({ issuer, kid, claims }: Arsenal): Promise<Record<string, AttackToken>> {
  const impostor = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const valid = await issuer.sign(claims({ role: 'customer' }));
  const [header, payload, signature] = valid.split('.');
  return {
    'wrong key under the real kid': {
      token: await new SignJWT(claims())
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .sign(impostor.privateKey),
      refusal: /signature is not valid/,
    },
    'tampered payload (customer made admin)': {
      token: `${header}.${b64({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' })}.${signature}`,
      refusal: /signature is not valid/,
    },
    'no key id': {
      token: `${b64({ alg: 'EdDSA', typ: 'JWT' })}.${b64(claims())}.${signature}`,
      refusal: /no key id/,
    },
  };
}
