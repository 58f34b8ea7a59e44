import type { Queryable, Reads } from '@shop/data';
import type { ProfileReader } from '../domain/ports.ts';
import { SqlUsers } from './users.ts';

/**
 * Profiles read through the replica router at or past the caller's floor. A
 * profile missing on a replica is looked for on the primary: a replica
 * behind the account's sign-up proves nothing.
 */
export function createProfileReader(reads: Reads, primary: Queryable): ProfileReader {
  return {
    async get(userId, floor) {
      const read = await reads.withReader(
        async (q, source) => ({ user: await new SqlUsers(q).findById(userId), source }),
        { minLsn: floor },
      );
      if (read.user || read.source.target !== 'replica') return read.user;
      return new SqlUsers(primary).findById(userId);
    },
  };
}
