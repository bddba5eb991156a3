import js from '@eslint/js';
import globals from 'globals';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import reactRefresh from 'eslint-plugin-react-refresh';
import tseslint from 'typescript-eslint';

// The SPA's layers (STYLE.md): pages and components -> hooks -> services -> supabase-js. Zones match
// resolved files, so `@/…`, `./…` and `../…` imports are all held to them.
const UI = ['./src/components', './src/pages', './src/App.tsx', './src/routes.tsx', './src/main.tsx'];
const HELPERS = ['./src/lib', './src/types', './src/i18n'];
const SERVICES_ONLY_FROM_HOOKS = {
  target: [...UI, ...HELPERS, './src/integrations'],
  from: './src/services',
  message: 'Services are reached through a hook (src/hooks), never from components, pages or helpers.',
};
const LAYER_ZONES = [
  {
    target: [...UI, './src/hooks', ...HELPERS],
    from: ['./src/integrations/supabase', './node_modules/@supabase'],
    message: 'Only src/services talks to Supabase: add a service function and call it from a hook.',
  },
  {
    target: './src/components/ui',
    from: './src/components',
    except: ['./ui'],
    message: 'ui primitives stand alone: feature components wrap them, never the other way round.',
  },
  {
    target: ['./src/components', './src/hooks', './src/services', ...HELPERS, './src/integrations'],
    from: './src/pages',
    message: 'Only App mounts pages.',
  },
  {
    target: ['./src/hooks', './src/services', ...HELPERS, './src/integrations'],
    from: './src/components',
    message: 'Imports run one way: components use hooks, never back.',
  },
  {
    target: ['./src/services', ...HELPERS, './src/integrations'],
    from: './src/hooks',
    message: 'Imports run one way: hooks use services, never back.',
  },
];
const restrictedPaths = (zones) => ['error', { basePath: import.meta.dirname, zones }];

export default tseslint.config(
  { ignores: ['dist', 'node_modules', '.local', 'coverage', 'test-results', 'playwright-report', 'bench/results', 'agent-db/n8n/code'] },
  {
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { ecmaVersion: 2023, globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      // import-x reads only .js files for no-cycle unless told about .ts/.tsx and their parser.
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: ['tsconfig.json', 'tsconfig.node.json'], alwaysTryTypes: true, noWarnOnMultipleProjects: true }),
      ],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['src/**/*.{ts,tsx}', 'tests/support/app/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(supabase|local-supabase|tests|bench|scripts)/',
              message: 'Do not climb out of src: shared modules are @shared/…, the component-test helpers @tests/support/app/….',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/**/*.test.{ts,tsx}'],
    rules: { 'import-x/no-restricted-paths': restrictedPaths([SERVICES_ONLY_FROM_HOOKS, ...LAYER_ZONES]) },
  },
  {
    // A component test drives the faked service module it imports, so it may import services.
    files: ['src/**/*.test.{ts,tsx}'],
    rules: { 'import-x/no-restricted-paths': restrictedPaths(LAYER_ZONES) },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks, 'react-refresh': reactRefresh },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'react-refresh/only-export-components': ['warn', { allowConstantExport: true }],
    },
  },
  {
    files: ['supabase/functions/**/*.ts'],
    languageOptions: { globals: { Deno: 'readonly' } },
  },
);
