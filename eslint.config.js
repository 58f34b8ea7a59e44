// Lint is where the architecture's boundaries are enforced (STYLE.md, habit 2,
// and docs/architecture.md): no package reaches into another package's
// internals or another service's code, and inside a service the layers point
// one way: transport (http/, events/) and adapters/ -> app/ -> domain/.
// test/lint/boundaries.test.ts breaks each rule on purpose and expects it reported.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Libraries that do I/O or belong to one transport: never in domain/ or app/. */
const frameworks = ['fastify', 'pg', 'pino', 'undici', 'ioredis', 'prom-client', 'nats', '@opentelemetry/api'];
/** Our packages that do I/O: app/ may name their types (a transaction handle), never call them. */
const ioPackages = ['@shop/data', '@shop/events', '@shop/mesh', '@shop/auth', '@shop/telemetry'];

const otherServices = {
  group: ['@shop/*-service', '**/services/*/src/**'],
  message: 'Services never import each other: talk over the network, or share a contract through a package.',
};
/** services/a/src/x.ts reaching services/b/src/y.ts (or a package's src/) by climbing out of its own folder. */
const climbingOut = {
  regex: '^(\\.\\./){2,}[\\w-]+/src(/|$)',
  message: 'Reach another service or package through its entry point, never by a relative path.',
};
const packageInternals = {
  group: ['@shop/*/src/**', '**/packages/*/src/**'],
  message: 'Import a package through its public entry point, not its internals.',
};

/** A relative import that climbs into one of `folders` of the same service (or its wiring). */
function outward(folders, message) {
  return { regex: `^(\\./|(\\.\\./)+)(${folders.join('|')})(/|\\.ts$|$)`, message };
}

const layers = {
  domain: [
    outward(['app', 'adapters', 'http', 'events', 'createApp', 'main', 'config'], 'domain/ imports only domain/.'),
  ],
  app: [outward(['adapters', 'http', 'events', 'createApp', 'main'], 'app/ imports only app/ and domain/ (ports).')],
  adapters: [
    outward(
      ['app', 'http', 'events', 'createApp', 'main'],
      'adapters/ implement domain/ ports; they never call up into app/ or transport.',
    ),
  ],
};
const noFrameworks = (message) => frameworks.map((name) => ({ name, message }));

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.data/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/services/*/src/**', '../../*/src/**'],
              message: 'Import a service through its package (@shop/<name>-service), and only from tests.',
            },
            packageInternals,
          ],
        },
      ],
    },
  },
  {
    files: [
      'services/*/src/**/*.ts',
      'packages/*/src/**/*.ts',
      'tools/*/src/**/*.ts',
      'gateway/src/**/*.ts',
      'lb/src/**/*.ts',
    ],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [otherServices, climbingOut, packageInternals] }],
      // Small functions with few parameters (STYLE.md): past these, split the
      // function or pass one options object. Exceptions are commented in place.
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
      'max-params': ['error', 4],
    },
  },
  // The layers of a service. These use the typescript-eslint rule so that the
  // bans above (base rule) stay in force beside them instead of being replaced.
  {
    files: ['services/*/src/domain/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...noFrameworks('The domain has no I/O and no framework (STYLE.md).'),
            ...[...ioPackages, '@shop/platform'].map((name) => ({
              name,
              message: 'The domain has no I/O and no framework (STYLE.md).',
            })),
          ],
          patterns: layers.domain,
        },
      ],
    },
  },
  {
    files: ['services/*/src/app/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...noFrameworks('Use cases reach I/O only through ports (domain/ports.ts), wired in createApp.ts.'),
            ...ioPackages.map((name) => ({
              name,
              allowTypeImports: true,
              message:
                'Use cases reach I/O only through ports (domain/ports.ts); a type (a transaction handle) is fine.',
            })),
            {
              name: '@shop/platform',
              allowImportNames: ['AppError'],
              allowTypeImports: true,
              message: 'Use cases may raise AppError; everything else of the platform is transport.',
            },
          ],
          patterns: layers.app,
        },
      ],
    },
  },
  {
    files: ['services/*/src/adapters/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: layers.adapters }] },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
