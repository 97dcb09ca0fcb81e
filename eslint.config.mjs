// ESLint 9 flat config. Typed linting (projectService) over the TypeScript tree; the Temporal
// sandbox boundary is enforced for workflows/** (see ARCHITECTURE.md, "Lint the sandbox boundary").
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const TS_DIRS = ['api', 'workflows', 'activities', 'workers', 'shared', 'temporal', 'test', 'bench'];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// Bare names (fs, path, crypto, http, child_process, worker_threads, fs/promises …) and node:*.
const NODE_BUILTINS = [...new Set(builtinModules.filter((m) => !m.startsWith('_')))];
const NODE_BUILTIN_RE = `node:.*|(?:${NODE_BUILTINS.map(escape).join('|')})`;
// Packages with side effects or native code that belong in activities/, workers/ or the api.
const SERVER_PACKAGES_RE = '@nestjs/.*|@mikro-orm/.*|ioredis|pg|nodemailer|@temporalio/(?:client|worker|activity)';
const WORKFLOW_PACKAGES_RE = '@temporalio/(?:workflow|common)';
// Code outside the sandbox: activities (and the api and workers) may be imported for types only.
const OUTSIDE_SANDBOX_RE = '(?:\\.\\./)+(?:activities|api|workers)';

const TYPE_ONLY = ' Type-only imports (`import type`) are allowed.';

/** Disjoint patterns, so each bad import is reported once with the message that fits it. */
export const workflowSandboxPatterns = [
  {
    regex: `^(?:${NODE_BUILTIN_RE})(?:/.*)?$`,
    allowTypeImports: true,
    message:
      'workflows/** run in the Temporal sandbox: no Node built-ins (deterministic code only; do I/O in an activity).' + TYPE_ONLY,
  },
  {
    regex: `^(?:${SERVER_PACKAGES_RE})(?:/.*)?$`,
    allowTypeImports: true,
    message:
      'workflows/** run in the Temporal sandbox: no Nest, MikroORM, Redis, pg, nodemailer, or Temporal client/worker/activity packages; call an activity through proxyActivities instead.' +
      TYPE_ONLY,
  },
  {
    regex: `^${OUTSIDE_SANDBOX_RE}(?:/.*)?$`,
    allowTypeImports: true,
    message:
      'workflows/** may import activities only as types (`import type { XActivities }`) and call them through proxyActivities.',
  },
  {
    // Any other non-relative import.
    regex: `^(?!\\.|(?:${NODE_BUILTIN_RE}|${SERVER_PACKAGES_RE}|${WORKFLOW_PACKAGES_RE})(?:/.*)?$).*`,
    allowTypeImports: true,
    message:
      'workflows/** use relative imports, @temporalio/workflow and @temporalio/common only (the workflow bundle must stay deterministic).' +
      TYPE_ONLY,
  },
];

export default tseslint.config(
  {
    // Dotfiles and dot-folders (local scratch, tool state) are not project code, as in ESLint 8.
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'seed/**', '**/.*', '**/.*/**'],
  },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly', console: 'readonly' },
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: TS_DIRS.map((d) => `${d}/**/*.ts`),
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Pragmatic: `_`-prefixed names are deliberately unused (destructuring, signatures).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Test helpers type loosely on purpose (e2e bodies default to `any` so specs read fields freely).
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // What both the API and the workers use lives in shared/: the API never reaches into activities/.
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(?:\\.\\./)+activities(?:/|$)', message: 'api/** must not import activities/: move what both sides use to shared/.' }] },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: workflowSandboxPatterns }],
    },
  },
);
