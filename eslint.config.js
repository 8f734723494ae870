// Lint: type-aware typescript-eslint, plus the workflow-sandbox rules of STYLE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

// The layers of DESIGN.md, as import rules. Pure code and the services see activities as types
// at most; everything outside eventstore/ sees the store through its front door (index.ts).
const activitiesAsTypes = {
  group: ['**/activities/**'],
  allowTypeImports: true,
  message:
    'Activities are Temporal code: import their types at most; shared vocabulary lives in platform/ or ml/.',
};
const storeFrontDoor = {
  group: ['**/eventstore/**', '!**/eventstore/index.js'],
  message: "Import the event store from its front door, 'eventstore/index.js'.",
};

export default tseslint.config(
  { ignores: ['dist/**', 'gen/**', 'node_modules/**', '.data/**', '.venv/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.flatMap((name) => [name, `node:${name}`]),
            'pg',
            '@grpc/grpc-js',
            '@temporalio/client',
            '@temporalio/worker',
          ],
          patterns: [
            { group: ['@grpc/*'], message: 'Workflows run in a sandbox: no network code.' },
            {
              group: ['**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only.',
            },
            storeFrontDoor,
          ],
        },
      ],
    },
  },
  {
    files: ['eventstore/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [activitiesAsTypes] }] },
  },
  {
    files: ['ml/**/*.ts', 'platform/**/*.ts', 'serving/**/*.ts', 'services/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [activitiesAsTypes, storeFrontDoor] }],
    },
  },
  {
    // bench/ measures the store's own operations against raw baselines, and test/ tests them:
    // those two may open the store up.
    files: ['activities/**/*.ts', 'cli/**/*.ts', 'web/**/*.ts', 'sdk/**/*.ts', 'demo/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [storeFrontDoor] }] },
  },
  {
    // The composition roots serve the operator CLI, the tests and the bench: they never import it.
    files: ['runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            storeFrontDoor,
            {
              group: ['**/cli/**'],
              message: 'runtime/ composes the platform; cli/ calls it, not the reverse.',
            },
          ],
        },
      ],
    },
  },
  {
    // A project, the demo's included, sees Hindsight through its public entry points only
    // (package.json `exports`): `hindsight`, `hindsight/testing` and `hindsight/client`, never the
    // platform's files.
    files: ['examples/**/*.ts', 'templates/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../../*',
                '../../**',
                'hindsight/*',
                '!hindsight/testing',
                '!hindsight/client',
              ],
              message:
                "A project imports Hindsight as 'hindsight', 'hindsight/testing' or 'hindsight/client', and its own files.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['*.js', 'bin/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
