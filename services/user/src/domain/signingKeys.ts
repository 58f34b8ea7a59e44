/**
 * Signing-key rotation rules. The newest unretired key signs; a rotated-out key
 * gets a retirement time no earlier than the expiry of the last token it can
 * have signed (plus a margin for instances that cached it and clock skew), and
 * stays published in the JWKS until then, so rotation logs nobody out.
 */
export interface KeyRecord {
  kid: string;
  createdAt: number;
  retiresAt: number | undefined;
}

export function signingKeyOf<K extends KeyRecord>(keys: readonly K[]): K | undefined {
  return keys
    .filter((k) => k.retiresAt === undefined)
    .sort((a, b) => b.createdAt - a.createdAt || (a.kid < b.kid ? 1 : -1))[0];
}

export function publishedKeys<K extends KeyRecord>(keys: readonly K[], now: number): K[] {
  return keys.filter((k) => k.retiresAt === undefined || k.retiresAt > now);
}

export function retirementTime(now: number, accessTokenTtlMs: number, marginMs: number): number {
  return now + accessTokenTtlMs + marginMs;
}
