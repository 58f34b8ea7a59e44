// Lint is where the architecture's boundaries are enforced (STYLE.md, habit 2):
// the domain imports no framework or adapter, and no package reaches into
// another package's internals or another service's code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const frameworks = ['fastify', 'pg', 'pino', 'undici', 'ioredis', 'prom-client', '@shop/data', '@shop/platform'];

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
            {
              group: ['@shop/*/src/**', '**/packages/*/src/**'],
              message: 'Import a package through its public entry point, not its internals.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/*/src/**/*.ts', 'packages/*/src/**/*.ts', 'tools/*/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@shop/*-service', '**/services/*/src/**'],
              message:
                'Services never import each other: talk over the network, or share a contract through a package.',
            },
            {
              group: ['@shop/*/src/**', '**/packages/*/src/**'],
              message: 'Import a package through its public entry point, not its internals.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: frameworks.map((name) => ({ name, message: 'The domain has no I/O and no framework (STYLE.md).' })) },
      ],
    },
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
