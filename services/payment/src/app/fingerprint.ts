import { createHash } from 'node:crypto';

/** A digest of the fields that make two requests "the same request" under one idempotency key. */
export function fingerprint(fields: ReadonlyArray<string | number | null>): string {
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}
