/** ESM + ts-jest: @kubernetes/client-node 2 is ESM-only (docs/platform-facts.md). */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/sandbox/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60000,
  // Records what deckhand's identities were granted across the suite; checked last (least privilege both ways).
  globalSetup: '<rootDir>/test/access-log-setup.js',
  globalTeardown: '<rootDir>/test/access-log-teardown.js',
  testSequencer: '<rootDir>/test/sequencer.js',
};
