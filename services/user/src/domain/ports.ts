/**
 * What the user service's use cases need from the outside world, as ports:
 * adapters/ implements them (the service's database, argon2, the signing
 * keys), and createApp.ts wires them. Writes run on one transaction
 * (UserStore.transaction): an account change, its sessions, its counters and
 * its event commit together.
 */
import type { EventPayload } from '@shop/contracts';
import type { WindowCount } from './rateLimit.ts';
import type { StoredRefreshToken } from './refreshToken.ts';
import type { Role } from './roles.ts';
import type { ThrottleKey, ThrottleState } from './throttle.ts';

export interface Preferences {
  newsletter?: boolean;
  currency?: string;
  language?: string;
}

/** An account as the service shows it (never its password hash). */
export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  preferences: Preferences;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
  /** The Idempotency-Key of the sign-up that makes it. */
  signUpKey?: string;
}

/** Preference values of null remove the preference (JSON merge patch). */
export type PreferencesPatch = { [K in keyof Preferences]?: Preferences[K] | null };

/** Accounts. */
export interface UserRepository {
  /** Inserts an account; undefined when the email is taken. */
  insert(user: NewUser): Promise<UserRecord | undefined>;
  /** The account an email signed up with, with the Idempotency-Key of that sign-up (if it carried one). */
  findSignUp(email: string): Promise<(UserRecord & { passwordHash: string; signUpKey: string | null }) | undefined>;
  findByEmail(email: string): Promise<(UserRecord & { passwordHash: string }) | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  /** Preferences are merged as a JSON merge patch; undefined when there is no such account. */
  update(
    id: string,
    patch: { name?: string | undefined; preferences?: PreferencesPatch | undefined },
  ): Promise<UserRecord | undefined>;
  /** Serialises role changes and the bootstrap until the transaction ends, so "is there another admin?" holds until commit. */
  lockRoles(): Promise<void>;
  countAdmins(): Promise<number>;
  setRole(id: string, role: Role): Promise<UserRecord | undefined>;
}

/** A session that ended: its refresh-token family and owner. */
export interface EndedSession {
  familyId: string;
  userId: string;
}

export type LockedRefreshToken = StoredRefreshToken & { familyId: string; userId: string };

/** Sessions: refresh-token families and their tokens (only their hashes are stored). */
export interface SessionRepository {
  /** Starts a family for the user; its id. */
  createFamily(userId: string, now: number): Promise<string>;
  /** Issues the next refresh token of a family; the token. */
  issueToken(token: { familyId: string; userId: string; now: number; ttlMs: number }): Promise<string>;
  /** A token with its family, both locked until the transaction ends. */
  lockToken(token: string): Promise<LockedRefreshToken | undefined>;
  markUsed(token: string, now: number): Promise<void>;
  /** Revokes a family; true when it was live (a session ended now, not before). */
  revokeFamily(familyId: string, now: number): Promise<boolean>;
  /** Revokes the family a token belongs to; the session it ended, if it was live. */
  revokeFamilyOfToken(token: string, now: number): Promise<EndedSession | undefined>;
  /** Revokes every live family of a user; the sessions it ended. */
  revokeFamiliesOfUser(userId: string, now: number): Promise<EndedSession[]>;
}

export interface ThrottleRepository {
  /**
   * Reads the counters, locked until the transaction ends (a missing one is
   * made empty first), keyed by counterId. Keys are taken in one order.
   */
  lock(keys: readonly ThrottleKey[], now: number): Promise<Map<string, ThrottleState>>;
  /** Stores a counter; undefined deletes it. */
  save(key: ThrottleKey, state: ThrottleState | undefined): Promise<void>;
}

/** Sign-ups counted per client address. */
export interface SignUpCounts {
  /** Unlocked: a check before the hash. */
  read(address: string): Promise<WindowCount | undefined>;
  /** Locked until the transaction ends (a missing count is made first). */
  lock(address: string, now: number): Promise<WindowCount | undefined>;
  save(address: string, count: WindowCount): Promise<void>;
}

export type UserEventType = 'user.registered' | 'user.session_revoked';

/** An event this service writes, by its @shop/contracts type, keyed by the user. */
export interface UserEvent<T extends UserEventType = UserEventType> {
  type: T;
  key: string;
  payload: EventPayload<T>;
  correlationId: string;
}

/** The transactional outbox: an event exists if and only if its change committed. */
export interface EventOutbox {
  append<T extends UserEventType>(event: UserEvent<T>): Promise<void>;
}

/** The repositories of one transaction. */
export interface UserUnit {
  users: UserRepository;
  sessions: SessionRepository;
  throttle: ThrottleRepository;
  signUps: SignUpCounts;
  outbox: EventOutbox;
}

/** The user database: work on one transaction, or plain reads on the primary. */
export interface UserStore {
  transaction<T>(work: (unit: UserUnit) => Promise<T>): Promise<T>;
  users: Pick<UserRepository, 'findById' | 'findByEmail' | 'countAdmins' | 'update'>;
  signUps: Pick<SignUpCounts, 'read'>;
}

/** Profile reads: replicas when configured, at or past the caller's read-your-writes position. */
export interface ProfileReader {
  get(userId: string, floor?: string): Promise<UserRecord | undefined>;
}

/** Who a password hash is for: a login's verify, or a sign-up's hash (and the verify of its replay). */
export type HashUse = 'login' | 'signup';

export interface PasswordHasher {
  /** A sign-up's hash: runs in the sign-up share of the hashing slots. */
  hash(password: string): Promise<string>;
  /**
   * Verifies against the stored hash, or, when there is no such user, against
   * a dummy hash of the same cost: an unknown email takes as long as a wrong
   * password. A login's by default; a sign-up's replay says `use: 'signup'`.
   */
  verify(hash: string | undefined, password: string, use?: HashUse): Promise<boolean>;
}

/** A public Ed25519 key as published in the JWKS. */
export interface PublishedKey {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}
export interface PublishedKeySet {
  keys: PublishedKey[];
}

/** The service's signing keys, shared by every instance through its database. */
export interface KeyStore {
  /**
   * Creates the first signing key if none is active and seals plaintext rows;
   * safe when instances start together. Fails if the signing key does not open
   * under this instance's key-encryption key.
   */
  ensureSigningKey(): Promise<void>;
  /** A new key becomes the signing key; the previous ones retire once their tokens have expired. */
  rotate(): Promise<{ kid: string; createdAt: Date }>;
  jwks(): Promise<PublishedKeySet>;
}

/** Signs access tokens with the current signing key. */
export interface AccessTokenSigner {
  /** An access token for `user` in session `sessionId`, valid for `ttlSec` from `now` (epoch ms). */
  sign(
    user: Pick<UserRecord, 'id' | 'role' | 'email'>,
    sessionId: string,
    times: { now: number; ttlSec: number },
  ): Promise<string>;
}
