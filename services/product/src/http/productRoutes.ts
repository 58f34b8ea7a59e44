import { requireAdmin } from '@shop/auth';
import type { Database, ReadYourWrites, Reads } from '@shop/data';
import { AppError, type ServiceApp } from '@shop/platform';
import { createProduct } from '../app/createProduct.ts';
import { deleteProduct } from '../app/deleteProduct.ts';
import type { ProductReader } from '../app/productReader.ts';
import type { SearchCache } from '../app/searchCache.ts';
import { searchProducts, type SearchResult } from '../app/searchProducts.ts';
import { updateProduct } from '../app/updateProduct.ts';
import { decodeCursor, type CursorPosition } from '../domain/cursor.ts';
import { attributeProblems } from '../domain/product.ts';
import { parseSearch, searchFingerprint } from '../domain/search.ts';
import { answerAfterWrite, readFloor } from './consistency.ts';
import { CreateProductBody, IdParams, PatchProductBody, SearchQuerystring } from './schemas.ts';

export interface ProductRouteDeps {
  /** Writes. */
  db: Database;
  /** Search and list (replicas when configured). */
  reads: Reads;
  reader: ProductReader;
  rw: ReadYourWrites;
  /** Recent search pages; a caller with a read-your-writes floor never gets one. */
  searchCache: SearchCache;
}

function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', { detail: `${field} ${message}`, errors: [{ field, message }] });
}

function checkAttributes(attributes: Record<string, unknown> | undefined): void {
  const problems = attributes ? attributeProblems(attributes) : [];
  if (problems[0])
    throw new AppError('VALIDATION_FAILED', {
      detail: `${problems[0].field} ${problems[0].message}`,
      errors: problems,
    });
}

/** The public catalog: search and read for everyone, writes for administrators. */
/** Word similarity at which a misspelt word still matches: "wison" for Wilson scores 0.44. */
const TYPO_THRESHOLD = 0.4;

export function registerProductRoutes(app: ServiceApp, deps: ProductRouteDeps): void {
  app.get('/products', { schema: { querystring: SearchQuerystring } }, async (request) => {
    const parsed = parseSearch(request.query);
    if (!parsed.ok) throw invalid(parsed.field, parsed.message);
    let after: CursorPosition | undefined;
    if (request.query.cursor !== undefined) {
      const decoded = decodeCursor(request.query.cursor, searchFingerprint(parsed.value), parsed.value.sort);
      if (!decoded.ok) throw invalid('query/cursor', decoded.reason);
      after = decoded.position;
    }
    const search = parsed.value;
    const minLsn = await readFloor(deps.rw, request);
    const load = (): Promise<SearchResult> => {
      if (search.text === undefined) return deps.reads.withReader((q) => searchProducts(q, search, after), { minLsn });
      // Typo tolerance is a property of this query, set where it runs: a database
      // default reaches only sessions opened after it was set.
      return deps.reads.withReader(
        async (tx) => {
          await tx.query(`SET LOCAL pg_trgm.word_similarity_threshold = ${TYPO_THRESHOLD}`);
          return searchProducts(tx, search, after);
        },
        { minLsn, transaction: true },
      );
    };
    return minLsn === undefined ? deps.searchCache.read(search, after, load) : load();
  });

  app.get('/products/:id', { schema: { params: IdParams } }, async (request) => {
    const product = await deps.reader.get(request.params.id.toLowerCase(), await readFloor(deps.rw, request));
    if (!product) throw new AppError('NOT_FOUND', { detail: `No product ${request.params.id}` });
    return product;
  });

  app.post('/products', { schema: { body: CreateProductBody } }, async (request, reply) => {
    requireAdmin(request);
    checkAttributes(request.body.attributes);
    const product = await createProduct(deps.db, request.body, { correlationId: request.id });
    await deps.reader.invalidate(product.id, await answerAfterWrite(deps.rw, request, reply));
    return reply.status(201).header('location', `/products/${product.id}`).send(product);
  });

  app.patch('/products/:id', { schema: { params: IdParams, body: PatchProductBody } }, async (request, reply) => {
    requireAdmin(request);
    checkAttributes(request.body.attributes);
    const id = request.params.id.toLowerCase();
    try {
      const product = await updateProduct(deps.db, id, request.body, { correlationId: request.id });
      await deps.reader.invalidate(id, await answerAfterWrite(deps.rw, request, reply));
      return product;
    } catch (error) {
      // A failure may have followed the commit: never serve the old row.
      await deps.reader.invalidate(id);
      throw error;
    }
  });

  app.delete('/products/:id', { schema: { params: IdParams } }, async (request, reply) => {
    requireAdmin(request);
    const id = request.params.id.toLowerCase();
    try {
      await deleteProduct(deps.db, id, { correlationId: request.id });
      await deps.reader.invalidate(id, await answerAfterWrite(deps.rw, request, reply));
    } catch (error) {
      await deps.reader.invalidate(id);
      throw error;
    }
    return reply.status(204).send();
  });
}
