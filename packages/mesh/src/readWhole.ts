/**
 * A whole answer body in one buffer, from undici's body or the plain Readable
 * a kept 5xx answer is handed over as. (node:stream/consumers' buffer() goes
 * through a Blob: about 4x the CPU for a body of a few hundred bytes, paid by
 * every hop that relays a small answer whole.)
 */
export async function readWhole(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}
