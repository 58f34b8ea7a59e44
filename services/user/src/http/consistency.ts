import { CONSISTENCY_HEADER, type ReadYourWrites } from '@shop/data';

/** The position a read for `subject` must be at or past: the request's consistency token, or the subject's last write. */
export function readFloor(
  rw: ReadYourWrites,
  headers: Record<string, string | string[] | undefined>,
  subject: string,
): Promise<string | undefined> {
  return rw.floor(headers[CONSISTENCY_HEADER], subject);
}

/** After a committed write for `subject`: answers with the consistency token and notes it for the subject. */
export async function answerAfterWrite(
  rw: ReadYourWrites,
  subject: string,
  reply: { header(name: string, value: string): unknown },
): Promise<void> {
  const written = await rw.afterWrite(subject);
  if (written) reply.header(CONSISTENCY_HEADER, written.token);
}
