// The architecture's rules are only as real as the lint that enforces them:
// each case here breaks one rule of eslint.config.js (a layer of a service, a
// ban every source file keeps, a size limit) in a file placed where the rule
// applies, and expects exactly that rule to report it. The controls show that
// what the layers allow stays allowed, so no rule passes by rejecting all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Type information is not needed by the rules under test, and the files are
// virtual (lintText), so the project service is switched off for them.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: [
    { languageOptions: { parserOptions: { projectService: false, project: null } } },
    tseslint.configs.disableTypeChecked,
  ],
});

const LAYERS = '@typescript-eslint/no-restricted-imports';
const BANS = 'no-restricted-imports';

async function rulesReported(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${path}` });
  assert.ok(result, `no lint result for ${path}`);
  const fatal = result.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `the fixture for ${path} must parse`);
  return result.messages.map((m) => m.ruleId ?? '').filter((id) => id !== '@typescript-eslint/no-unused-vars');
}

const use = (names: string) => `\nexport const used = [${names}];\n`;

const broken: { name: string; path: string; code: string; rule: string }[] = [
  {
    name: 'domain/ importing a framework',
    path: 'services/order/src/domain/fixture.ts',
    code: `import fastify from 'fastify';${use('fastify')}`,
    rule: LAYERS,
  },
  {
    name: 'domain/ importing an I/O package of ours',
    path: 'services/order/src/domain/fixture.ts',
    code: `import { Database } from '@shop/data';${use('Database')}`,
    rule: LAYERS,
  },
  {
    name: 'domain/ importing an adapter',
    path: 'services/order/src/domain/fixture.ts',
    code: `import { orderRepository } from '../adapters/orderRepository.ts';${use('orderRepository')}`,
    rule: LAYERS,
  },
  {
    name: 'domain/ importing a use case',
    path: 'services/product/src/domain/deep/fixture.ts',
    code: `import { placeOrder } from '../../app/placeOrder.ts';${use('placeOrder')}`,
    rule: LAYERS,
  },
  {
    name: 'domain/ keeps the ban on other services',
    path: 'services/order/src/domain/fixture.ts',
    code: `import { createApp } from '@shop/product-service';${use('createApp')}`,
    rule: BANS,
  },
  {
    name: "domain/ keeps the ban on a package's internals",
    path: 'services/order/src/domain/fixture.ts',
    code: `import { x } from '@shop/events/src/outbox.ts';${use('x')}`,
    rule: BANS,
  },
  {
    name: 'app/ importing an adapter',
    path: 'services/order/src/app/fixture.ts',
    code: `import { orderRepository } from '../adapters/orderRepository.ts';${use('orderRepository')}`,
    rule: LAYERS,
  },
  {
    name: 'app/ importing transport',
    path: 'services/user/src/app/fixture.ts',
    code: `import { routes } from '../http/routes.ts';${use('routes')}`,
    rule: LAYERS,
  },
  {
    name: 'app/ calling an I/O package',
    path: 'services/payment/src/app/fixture.ts',
    code: `import { Database } from '@shop/data';${use('Database')}`,
    rule: LAYERS,
  },
  {
    name: 'app/ using the platform beyond AppError',
    path: 'services/payment/src/app/fixture.ts',
    code: `import { createLogger } from '@shop/platform';${use('createLogger')}`,
    rule: LAYERS,
  },
  {
    name: 'app/ keeps the ban on other services',
    path: 'services/payment/src/app/fixture.ts',
    code: `import { x } from '../../../order/src/domain/order.ts';${use('x')}`,
    rule: BANS,
  },
  {
    name: 'adapters/ calling up into app/',
    path: 'services/order/src/adapters/fixture.ts',
    code: `import { placeOrder } from '../app/placeOrder.ts';${use('placeOrder')}`,
    rule: LAYERS,
  },
  {
    name: 'adapters/ importing transport',
    path: 'services/notification/src/adapters/fixture.ts',
    code: `import { subscribe } from '../events/subscribe.ts';${use('subscribe')}`,
    rule: LAYERS,
  },
  {
    name: 'a function over 60 lines',
    path: 'packages/mesh/src/fixture.ts',
    code: `export function long(): number {\n  let n = 0;\n${'  n += 1;\n'.repeat(60)}  return n;\n}\n`,
    rule: 'max-lines-per-function',
  },
  {
    name: 'a function of five parameters',
    path: 'gateway/src/fixture.ts',
    code: `export function many(a: number, b: number, c: number, d: number, e: number): number {\n  return a + b + c + d + e;\n}\n`,
    rule: 'max-params',
  },
];

for (const { name, path, code, rule } of broken) {
  test(`lint reports ${name} (${rule})`, async () => {
    assert.deepEqual(await rulesReported(path, code), [rule]);
  });
}

const allowed: { name: string; path: string; code: string }[] = [
  {
    name: 'domain/ importing domain/ and the contracts',
    path: 'services/order/src/domain/fixture.ts',
    code: `import { Order } from './order.ts';\nimport type { OrderPlaced } from '@shop/contracts';${use('Order')}export type T = OrderPlaced;\n`,
  },
  {
    name: 'app/ importing domain/ ports, a transaction type and AppError',
    path: 'services/order/src/app/fixture.ts',
    code:
      `import type { OrderRepository } from '../domain/ports.ts';\nimport type { Queryable } from '@shop/data';\n` +
      `import { AppError } from '@shop/platform';${use('AppError')}export type T = OrderRepository | Queryable;\n`,
  },
  {
    name: 'adapters/ implementing a domain/ port with SQL',
    path: 'services/order/src/adapters/fixture.ts',
    code: `import type { OrderRepository } from '../domain/ports.ts';\nimport { Database } from '@shop/data';${use('Database')}export type T = OrderRepository;\n`,
  },
  {
    name: 'http/ calling a use case',
    path: 'services/order/src/http/fixture.ts',
    code: `import { placeOrder } from '../app/placeOrder.ts';${use('placeOrder')}`,
  },
  {
    name: 'a long function in a test file',
    path: 'services/order/src/domain/fixture.test.ts',
    code: `export function many(a: number, b: number, c: number, d: number, e: number): number {\n${'  a += 1;\n'.repeat(61)}  return a + b + c + d + e;\n}\n`,
  },
];

for (const { name, path, code } of allowed) {
  test(`lint allows ${name}`, async () => {
    assert.deepEqual(await rulesReported(path, code), []);
  });
}
