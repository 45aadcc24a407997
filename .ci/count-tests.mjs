// Sums the results jest wrote to <package>/reports/jest.json (--json --outputFile) across the
// workspace and prints one line `tests: N passed, N failed`. Exits 1 when a test failed, a suite
// failed to run, or a package that has tests left no report.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let broken = 0;
const missing = [];
for (const group of ['packages', 'services']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const pkg = join(dir, name);
    if (!existsSync(join(pkg, 'jest.config.js'))) continue;
    const report = join(pkg, 'reports', 'jest.json');
    if (!existsSync(report)) {
      missing.push(`${group}/${name}`);
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    broken += r.numRuntimeErrorTestSuites;
    // A suite whose afterAll threw, or a package whose run failed for another reason, is a failure
    // even when every test passed; a package that ran no test at all is one too.
    if (!r.success && r.numFailedTests === 0 && r.numRuntimeErrorTestSuites === 0) broken += 1;
    if (r.numTotalTests === 0) missing.push(`${group}/${name} (no test ran)`);
  }
}
if (missing.length > 0) console.error(`no test report from: ${missing.join(', ')}`);
if (broken > 0) console.error(`${broken} test suite(s) failed to run`);
console.log(`tests: ${passed} passed, ${failed + broken} failed`);
process.exit(failed + broken + missing.length > 0 || passed === 0 ? 1 : 0);
