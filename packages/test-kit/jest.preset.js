// Shared jest configuration: ESM TypeScript through @swc/jest, sources of workspace
// packages resolved through their "development" export condition (no build needed),
// results written as JSON to reports/jest.json for .ci/run to count.
/** @param {string} dir the package folder */
export function jestConfig(dir) {
  return {
    rootDir: dir,
    testEnvironment: 'node',
    testEnvironmentOptions: { customExportConditions: ['development', 'node', 'node-addons'] },
    extensionsToTreatAsEsm: ['.ts'],
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    testTimeout: 30_000,
    // Database, broker and email backends for every suite: see README.md and src/env/detect.js.
    globalSetup: new URL('./src/jest/global-setup.js', import.meta.url).pathname,
    globalTeardown: new URL('./src/jest/global-teardown.js', import.meta.url).pathname,
  };
}
