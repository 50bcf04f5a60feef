// ESM all the way: @actions/core 3 and @actions/github 9 ship only ESM, so the tests run
// TypeScript as native ES modules (node --experimental-vm-modules, see package.json).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }]
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  // Jest's default is one worker per core less one: a single worker on a 2-core runner. Most
  // end-to-end files wait on the emulator and on the lease's real polls rather than compute,
  // so two workers take about half the wall time (measured: 12.9 → 6.7 min on 2 cores).
  maxWorkers: 2,
  verbose: false
}
