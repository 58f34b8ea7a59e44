import { Readable } from 'node:stream';
import { errors } from 'undici';
import type { MeshErrorCode, RawPeerResponse } from './types.ts';

/**
 * Why one attempt at an instance gave the caller no answer:
 * - `refused`: it never reached the instance (connection refused, or not
 *   connected in time): nothing was sent, so any request may go elsewhere;
 * - `reset`: the connection failed otherwise (dropped, reset, TLS or DNS
 *   refused) and the request may have arrived;
 * - `timeout`: no answer within the attempt's time (queued, headers or body);
 * - `status`: the instance answered 5xx (kept, in case no retry does better);
 * - `unavailable`: no instance to try, or the call's time went on failed attempts.
 */
export type FailureKind = 'refused' | 'reset' | 'timeout' | 'status' | 'unavailable';

/** A 5xx answer read whole, handed to the caller if no retry does better. */
export interface KeptAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  upstream: string;
}

/** A kept answer handed to the caller as the call's answer: a plain Readable of its bytes. */
export function asAnswer(kept: KeptAnswer): RawPeerResponse {
  return { ...kept, body: Readable.from([kept.body]) as unknown as RawPeerResponse['body'] };
}

/** An attempt that failed in a way the policies (retry, breaker) must see. */
export class AttemptFailure extends Error {
  readonly kind: FailureKind;
  readonly retryable: boolean;
  /** The instance shed the request to protect itself (503 OVERLOADED): alive, busy, not failing. */
  readonly shed: boolean;
  readonly answer: KeptAnswer | undefined;
  constructor(
    kind: FailureKind,
    message: string,
    options: { retryable: boolean; shed?: boolean; cause?: unknown; answer?: KeptAnswer },
  ) {
    super(message, { cause: options.cause });
    this.name = 'AttemptFailure';
    this.kind = kind;
    this.retryable = options.retryable;
    this.shed = options.shed ?? false;
    this.answer = options.answer;
  }
}

/**
 * The abort reason of an attempt its own timer stopped: told apart from the
 * caller's abort by identity, never by a message. One shared value, made once
 * (its stack says nothing; it is not thrown to anyone outside the mesh).
 */
export const ATTEMPT_TIMED_OUT: Error = Object.assign(new Error('attempt timed out'), { name: 'TimeoutError' });

/**
 * What a transport error of undici (or an abort with ATTEMPT_TIMED_OUT) says
 * about the instance, from its class and code. Used by the mesh client and the
 * balancer, which decide retries and ejections on it.
 */
export function failureKindOf(error: unknown): 'refused' | 'reset' | 'timeout' {
  if (
    error === ATTEMPT_TIMED_OUT ||
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError
  )
    return 'timeout';
  if (error instanceof errors.ConnectTimeoutError || (error as { code?: unknown } | null)?.code === 'ECONNREFUSED')
    return 'refused';
  return 'reset';
}

/** The catalogue code a call that failed this way ends in: a timeout is the caller's deadline, the rest the dependency. */
export function failureCode(kind: FailureKind): MeshErrorCode {
  return kind === 'timeout' ? 'DEADLINE_EXCEEDED' : 'DEPENDENCY_UNAVAILABLE';
}

/** A short name for logs and eject reasons: the error's code when it has one. */
export function failureLabel(error: unknown): string {
  if (error === ATTEMPT_TIMED_OUT) return 'timed out';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : String(error);
}
