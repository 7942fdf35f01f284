import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.sandbox/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
  // The web console's page script runs in the browser.
  {
    files: ['sandbox/src/console/public/**/*.js'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly', fetch: 'readonly', EventSource: 'readonly', encodeURIComponent: 'readonly' } },
  },
  { files: ['test/**', 'sandbox/test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['bench/**', 'src/main.ts', 'src/serve.ts', 'sandbox/src/cli.ts', 'sandbox/src/deckhand.ts'], rules: { 'no-console': 'off' } },
);
