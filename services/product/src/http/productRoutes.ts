import { requireAdmin } from '@shop/auth';
import type { ReadYourWrites } from '@shop/data';
import { AppError, type ServiceApp } from '@shop/platform';
import { createProduct } from '../app/createProduct.ts';
import { deleteProduct } from '../app/deleteProduct.ts';
import { searchCatalog } from '../app/searchCatalog.ts';
import { updateProduct } from '../app/updateProduct.ts';
import { decodeCursor, type CursorPosition } from '../domain/cursor.ts';
import type { ProductReader, ProductSearch, ProductStore, SearchCache } from '../domain/ports.ts';
import { attributeProblems } from '../domain/product.ts';
import { parseSearch, searchFingerprint, type SearchInput, type SearchQuery } from '../domain/search.ts';
import { answerAfterWrite, readFloor } from './consistency.ts';
import { CreateProductBody, IdParams, PatchProductBody, SearchQuerystring } from './schemas.ts';

export interface ProductRouteDeps {
  /** Writes. */
  store: ProductStore;
  /** Search and list (replicas when configured). */
  search: ProductSearch;
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

/** The search a query string asks for, and the page after its cursor; a bad one is a 400. */
function searchOf(query: SearchInput): {
  search: SearchQuery;
  after: CursorPosition | undefined;
} {
  const parsed = parseSearch(query);
  if (!parsed.ok) throw invalid(parsed.field, parsed.message);
  if (query.cursor === undefined) return { search: parsed.value, after: undefined };
  const decoded = decodeCursor(query.cursor, searchFingerprint(parsed.value), parsed.value.sort);
  if (!decoded.ok) throw invalid('query/cursor', decoded.reason);
  return { search: parsed.value, after: decoded.position };
}

/** The public catalog: search and read for everyone, writes for administrators. */
export function registerProductRoutes(app: ServiceApp, deps: ProductRouteDeps): void {
  app.get('/products', { schema: { querystring: SearchQuerystring } }, async (request) => {
    const { search, after } = searchOf(request.query);
    const cache = { search: deps.search, cache: deps.searchCache };
    return searchCatalog(cache, search, after, await readFloor(deps.rw, request));
  });

  app.get('/products/:id', { schema: { params: IdParams } }, async (request) => {
    const product = await deps.reader.get(request.params.id.toLowerCase(), await readFloor(deps.rw, request));
    if (!product) throw new AppError('NOT_FOUND', { detail: `No product ${request.params.id}` });
    return product;
  });

  app.post('/products', { schema: { body: CreateProductBody } }, async (request, reply) => {
    requireAdmin(request);
    checkAttributes(request.body.attributes);
    const product = await createProduct(deps.store, request.body, { correlationId: request.id });
    await deps.reader.invalidate(product.id, await answerAfterWrite(deps.rw, request, reply));
    return reply.status(201).header('location', `/products/${product.id}`).send(product);
  });

  app.patch('/products/:id', { schema: { params: IdParams, body: PatchProductBody } }, async (request, reply) => {
    requireAdmin(request);
    checkAttributes(request.body.attributes);
    const id = request.params.id.toLowerCase();
    try {
      const product = await updateProduct(deps.store, id, request.body, { correlationId: request.id });
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
      await deleteProduct(deps.store, id, { correlationId: request.id });
      await deps.reader.invalidate(id, await answerAfterWrite(deps.rw, request, reply));
    } catch (error) {
      await deps.reader.invalidate(id);
      throw error;
    }
    return reply.status(204).send();
  });
}
