// Flat ESLint config. Besides the usual recommended rules it enforces the runtime layering with
// the local `layers/imports` rule (eslint/layers.js), one block per folder:
//   renderer/  never imports main/, models/, Electron, Node built-ins; the contract only as types
//   preload/   imports only electron and its own files; the contract only as types
//   models/    never imports main/, renderer/, preload/, electron or better-sqlite3
//   main/      never imports renderer/; the contract only as types; services, api, ipc, serve and
//              engine-host also never import electron (serve mode and tests run them in plain Node)
import js from '@eslint/js';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';
import layers from './eslint/layers.js';

const CONTRACT = 'preload/contract.ts';

export default tseslint.config(
  {
    ignores: ['dist/**', 'release/**', 'out/**', 'test-results/**', '.tmp/**', 'node_modules/**', 'test/lint/fixtures/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { layers },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'layers/imports': ['error', {
        layer: 'renderer/',
        forbiddenFolders: ['main', 'models', 'preload', 'test', 'scripts'],
        typeOnly: [CONTRACT],
        forbiddenModules: ['electron', 'better-sqlite3', 'sharp', 'ws', 'node:*'],
      }],
    },
  },
  {
    files: ['preload/**'],
    rules: {
      'layers/imports': ['error', {
        layer: 'preload/',
        forbiddenFolders: ['main', 'models', 'renderer', 'test', 'scripts'],
        typeOnly: [CONTRACT],
        allowedModules: ['electron'],
      }],
    },
  },
  {
    files: ['models/**'],
    rules: {
      'layers/imports': ['error', {
        layer: 'models/',
        forbiddenFolders: ['main', 'renderer', 'preload'],
        forbiddenModules: ['electron', 'better-sqlite3'],
      }],
    },
  },
  {
    files: ['main/**'],
    rules: {
      'layers/imports': ['error', {
        layer: 'main/',
        forbiddenFolders: ['renderer', 'preload', 'test'],
        typeOnly: [CONTRACT],
      }],
    },
  },
  {
    files: ['main/api/**', 'main/services/**', 'main/ipc/**', 'main/serve/**', 'main/engine-host/**', 'main/store/**', 'main/queue/**', 'main/team/**'],
    rules: {
      'layers/imports': ['error', {
        layer: 'main/{api,services,ipc,serve,engine-host}/',
        forbiddenFolders: ['renderer', 'preload', 'test'],
        typeOnly: [CONTRACT],
        forbiddenModules: ['electron'],
      }],
    },
  },
);
