// Lint rules for tracewall: typescript-eslint's recommended set, function length and complexity as the project's
// guidance, and the architecture's boundaries (pure core, signals only in cli/) as errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Library code may not listen for process signals: cli/ turns them into an AbortSignal. */
const NO_SIGNAL_HANDLERS = {
  selector:
    "CallExpression[callee.object.name='process'][callee.property.name=/^(on|once|addListener|prependListener|prependOnceListener)$/][arguments.0.value=/^(SIG|exit$|beforeExit$|uncaughtException$)/]",
  message:
    'only src/cli/ listens to process signals and exit events; take an AbortSignal, or give the CLI a cleanup to call',
};

/** The pure core (parse, analyze, render) takes values and returns values. */
const PURE_IMPORTS = {
  patterns: [
    {
      group: [
        '**/trace/*',
        '**/cli/*',
        '**/engines/*',
        '**/verify/*',
        'node:fs',
        'node:child_process',
        'execa',
        'node-pty',
      ],
      message: 'parse/, analyze/ and render/ are pure: no processes, no files (pass values in from trace/ or cli/)',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'src/syscalls/table.generated.ts',
      'src/recording/recording-validator.generated.ts',
      'out/**',
      'tmp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-control-regex': 'off',
      'prefer-const': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
      complexity: ['warn', 25],
      'max-depth': ['warn', 5],
      'no-restricted-syntax': ['error', NO_SIGNAL_HANDLERS],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: [
      'src/parse/**/*.ts',
      'src/analyze/**/*.ts',
      'src/render/**/*.ts',
      'src/model/**/*.ts',
      'src/apparmor/**/*.ts',
    ],
    rules: { 'no-restricted-imports': ['error', PURE_IMPORTS] },
  },
  {
    files: ['scripts/**/*.mjs', 'bench/**/*.mjs', 'eslint.config.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        performance: 'readonly',
      },
    },
  },
);
