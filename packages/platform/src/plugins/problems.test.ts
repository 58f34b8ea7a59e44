import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../errors.ts';
import { registerProblems } from './problems.ts';
import { bareApp } from './testApp.ts';

test('a catalogued error keeps its status and Retry-After; an unknown one is a 500 that leaks nothing', async () => {
  const { app } = bareApp();
  app.get('/busy', () => {
    throw new AppError('OVERLOADED', { retryAfter: 2 });
  });
  app.get('/bug', () => {
    throw new Error('secret stack detail');
  });
  const busy = await app.inject({ url: '/busy' });
  assert.equal(busy.statusCode, 503);
  assert.equal(busy.headers['retry-after'], '2');
  assert.equal(busy.headers['content-type'], 'application/problem+json; charset=utf-8');
  const bug = await app.inject({ url: '/bug' });
  assert.equal(bug.statusCode, 500);
  assert.doesNotMatch(bug.body, /secret/);
});

test('an error mapper turns an adapter error into a catalogued one', async () => {
  const { app } = bareApp({ problems: false });
  class PoolGone extends Error {}
  registerProblems(app, {
    errorMappers: [
      (error) => (error instanceof PoolGone ? new AppError('POOL_EXHAUSTED', { retryAfter: 1 }) : undefined),
    ],
  });
  app.get('/db', () => {
    throw new PoolGone();
  });
  const response = await app.inject({ url: '/db' });
  assert.equal(response.statusCode, 503);
  assert.equal(response.json<{ code: string }>().code, 'POOL_EXHAUSTED');
});

test('an unknown route is a 404 problem naming it', async () => {
  const { app } = bareApp();
  const response = await app.inject({ url: '/missing?x=1' });
  assert.equal(response.statusCode, 404);
  assert.match(response.json<{ detail: string }>().detail, /No route for GET \/missing$/);
});
