import { transactional, type Database, type Queryable } from '@shop/data';
import { createOutbox } from '@shop/events';
import type { EventOutbox, UserStore } from '../domain/ports.ts';
import { SqlThrottle } from './loginThrottle.ts';
import { SqlSessions } from './refreshTokens.ts';
import { SqlSignUpCounts } from './signUpThrottle.ts';
import { SqlUsers } from './users.ts';

/** The name this service writes into every event envelope. */
export const PRODUCER = 'user-service';

const outbox = createOutbox(PRODUCER);

/** The outbox on a transaction; the relay (relayOutboxToLog, createApp.ts) moves its rows to the bus. */
function outboxOn(tx: Queryable): EventOutbox {
  return {
    async append(event) {
      await outbox.append(tx, { ...event, aggregateId: event.key });
    },
  };
}

/** The user store over the service's primary database: each transaction gets repositories bound to it. */
export function createUserStore(db: Database): UserStore {
  return transactional(
    db,
    (q) => ({
      users: new SqlUsers(q),
      sessions: new SqlSessions(q),
      throttle: new SqlThrottle(q),
      signUps: new SqlSignUpCounts(q),
    }),
    (tx) => ({ outbox: outboxOn(tx) }),
  );
}
