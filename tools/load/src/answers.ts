// What an answer counts as when the platform is under pressure (issue 22): the
// shop served it, shed it the way the contract says (refused at once, telling
// the client when to come back), or failed. Shared by the bench's overload
// scenarios and the busy-machine test, so both judge by one rule.
import type { Answer } from './shop.ts';

/**
 * - served: any answer below 500 but 429 (a 4xx such as an out-of-stock 422 is the shop working);
 * - shed: 503 or 429 with a Retry-After and a problem+json body (refused early, as admission control does);
 * - failed: every other 5xx (500, 502, 504, a 503 without Retry-After), and no answer at all (reset, timeout).
 */
export type AnswerClass = 'served' | 'shed' | 'failed';

export function classify(answer: Pick<Answer, 'status' | 'retryAfter' | 'contentType'>): AnswerClass {
  const { status } = answer;
  if (status === undefined) return 'failed';
  if (status === 503 || status === 429)
    return answer.retryAfter !== undefined && isProblemJson(answer.contentType) ? 'shed' : 'failed';
  return status < 500 ? 'served' : 'failed';
}

function isProblemJson(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/problem+json';
}

/** A short name for an answer, for counts in a report or a failure message: "503 OVERLOADED", "transport ECONNRESET". */
export function labelOf(answer: Pick<Answer, 'status' | 'json' | 'error'>): string {
  if (answer.status === undefined) return `transport ${answer.error ?? 'error'}`;
  const code = (answer.json as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${answer.status} ${code}` : String(answer.status);
}
