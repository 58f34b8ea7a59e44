import { CONSISTENCY_HEADER, type ReadYourWrites } from '@shop/data';

interface Request {
  headers: Record<string, string | string[] | undefined>;
  principal?: { userId: string } | undefined;
}

/** The position this request must read at or past: its consistency token, or the signed-in user's last write. */
export function readFloor(rw: ReadYourWrites, request: Request): Promise<string | undefined> {
  return rw.floor(request.headers[CONSISTENCY_HEADER], request.principal?.userId);
}

/** After a committed write: answers with the consistency token and notes it for the user; returns the position. */
export async function answerAfterWrite(
  rw: ReadYourWrites,
  request: Request,
  reply: { header(name: string, value: string): unknown },
): Promise<string | undefined> {
  const written = await rw.afterWrite(request.principal?.userId);
  if (written) reply.header(CONSISTENCY_HEADER, written.token);
  return written?.lsn;
}
