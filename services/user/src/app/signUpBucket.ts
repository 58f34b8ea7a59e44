import { takeToken, type Bucket, type BucketPolicy } from '../domain/rateLimit.ts';

/** This instance's sign-ups from all clients together, in memory (each costs a hash). */
export interface SignUpBucket {
  take(): { allowed: true } | { allowed: false; retryAfterSec: number };
}

export function createSignUpBucket(policy: BucketPolicy, now: () => number): SignUpBucket {
  let bucket: Bucket | undefined;
  return {
    take() {
      const verdict = takeToken(bucket, now(), policy);
      if (!verdict.allowed) return verdict;
      bucket = verdict.next;
      return { allowed: true };
    },
  };
}
