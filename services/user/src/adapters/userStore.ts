import type { Database } from '@shop/data';
import { outboxStore } from '@shop/events';
import type { UserStore } from '../domain/ports.ts';
import { SqlThrottle } from './loginThrottle.ts';
import { SqlSessions } from './refreshTokens.ts';
import { SqlSignUpCounts } from './signUpThrottle.ts';
import { SqlUsers } from './users.ts';

/** The user store over the service's primary database: each transaction gets repositories and the outbox (producer user-service) bound to it. */
export function createUserStore(db: Database): UserStore {
  return outboxStore(db, 'user-service', (q) => ({
    users: new SqlUsers(q),
    sessions: new SqlSessions(q),
    throttle: new SqlThrottle(q),
    signUps: new SqlSignUpCounts(q),
  }));
}
