// SPDX-License-Identifier: Apache-2.0
// Import boundaries (house style): shared/ imports neither side and no node:* or browser API;
// extension/ and agent/ never import each other; pkcs11js only under agent/token/; ws only in the
// two transport files.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const WS_FILES = ['agent/server/AgentServer.ts', 'extension/background/transport/AgentConnection.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**', 'test-tokens/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.mjs', 'scripts/*.mjs', 'demo/public/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', {
        zones: [
          { target: './shared', from: './agent', message: 'shared/ must not import agent/' },
          { target: './shared', from: './extension', message: 'shared/ must not import extension/' },
          { target: './agent', from: './extension', message: 'agent/ must not import extension/' },
          { target: './extension', from: './agent', message: 'extension/ must not import agent/' },
        ],
      }],
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'pkcs11js', message: 'pkcs11js is imported only under agent/token/' },
          { name: 'ws', message: 'ws is imported only in the two transport files' },
        ],
      }],
      // The same boundary for CommonJS loading (createRequire(...)('pkcs11js'), require('ws')).
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[arguments.0.value=/^(pkcs11js|ws|koffi)$/][callee.type=/^(CallExpression|Identifier)$/]",
        message: 'native/transport modules (pkcs11js, koffi, ws) are loaded only in their own folders',
      }],
    },
  },
  {
    files: ['agent/token/**/*.ts', ...WS_FILES, 'test/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        // Bare module names go in `paths` (exact match); `patterns` use gitignore semantics, where
        // 'crypto' would also match our own '../crypto/sm2.js'.
        paths: [
          ...['fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'buffer', 'stream', 'url', 'util', 'worker_threads', 'module']
            .map((name) => ({ name, message: 'shared/ is pure TypeScript: no Node built-ins' })),
          ...['ws', 'pkcs11js', 'koffi', 'webextension-polyfill'].map((name) => ({ name, message: 'shared/ imports no transport, token or browser API' })),
        ],
        patterns: [{ group: ['node:*'], message: 'shared/ is pure TypeScript: no node:* modules' }],
      }],
      'no-restricted-globals': ['error',
        { name: 'window', message: 'no browser API in shared/' },
        { name: 'document', message: 'no browser API in shared/' },
        { name: 'chrome', message: 'no browser API in shared/' },
        { name: 'browser', message: 'no browser API in shared/' },
        { name: 'process', message: 'no Node API in shared/' },
        { name: 'Buffer', message: 'no Node API in shared/' },
        { name: 'require', message: 'no Node API in shared/' },
      ],
    },
  },
  {
    files: ['agent/token/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'ws', message: 'ws is imported only in the two transport files' }] }] },
  },
  {
    files: WS_FILES,
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'pkcs11js', message: 'pkcs11js is imported only under agent/token/' }] }] },
  },
  {
    // Tests drive the real transports and tokens.
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.mjs', 'demo/public/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', structuredClone: 'readonly' } },
  },
  {
    files: ['demo/public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { window: 'readonly', document: 'readonly', setTimeout: 'readonly' } },
  },
);
