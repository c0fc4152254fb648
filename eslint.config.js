// Lint: typescript-eslint (type-aware) plus the project's boundary rules (CONVENTIONS.md §1, §7, §8).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const processEnv = {
  selector: "MemberExpression[object.name='process'][property.name='env']",
  message: 'Read configuration through config/ (the only code that reads process.env).',
};

/** Import patterns a folder may not use. */
const restrict = (patterns) => ['error', { patterns }];

export default tseslint.config(
  { ignores: ['node_modules/', '.output/', '.nuxt/', 'dist', 'coverage/', 'client/', 'nuxt.config.ts', '.vivim-data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'no-restricted-syntax': ['error', processEnv],
    },
  },
  { files: ['**/*.{js,mjs}'], languageOptions: { globals: globals.node } },
  // The browser extension: plain ES modules run in extension pages and its service worker.
  { files: ['extension/**/*.js'], languageOptions: { globals: { ...globals.browser, ...globals.webextensions } } },
  {
    // Scripts, tests and benchmarks run outside the app: they may read the environment and print.
    files: ['scripts/**', 'tests/**', 'bench/**', 'config/**', 'bin/**', '**/*.test.ts', 'vitest.config.ts'],
    rules: { 'no-restricted-syntax': 'off', 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // A provider imports only the SDK and common code.
    files: ['plugins/providers/**/*.ts'],
    ignores: ['plugins/providers/loader.ts', 'plugins/providers/index.ts', 'plugins/providers/**/*.test.ts'],
    rules: { 'no-restricted-imports': restrict([{ group: ['#server/*', '#modules/*', '#config', '#config/*', '#database/*', '#workers/*'], message: 'Providers import only plugins/providers/sdk and common/.' }]) },
  },
  {
    // Modules reach other modules only through services and events, never through their files.
    files: ['modules/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([{ group: ['#modules/*', '../../modules/*', '../*/entities.ts', '../*/service.ts'], message: "Use the other module's exported service (ctx.services) instead of its files." }]) },
  },
  {
    // Only server/composition.ts imports module manifests; the kernel knows modules by their services.
    files: ['server/**/*.ts', 'workers/**/*.ts', 'database/**/*.ts', 'network/**/*.ts', 'common/**/*.ts', 'config/**/*.ts'],
    ignores: ['server/composition.ts', '**/*.test.ts'],
    rules: { 'no-restricted-imports': restrict([{ group: ['#modules/*', '../modules/*', '../../modules/*'], message: 'Only server/composition.ts imports modules.' }]) },
  },
  {
    // common/ is pure: no I/O, shared with the client.
    files: ['common/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([{ group: ['node:*', '#server/*', '#config', '#database/*'], message: 'common/ holds pure types and schemas only.' }]) },
  },
);
