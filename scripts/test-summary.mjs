// SPDX-License-Identifier: Apache-2.0
// Prints the closing line "N passed, N failed, N skipped" from vitest's JSON report; exits 1 when
// the report is missing, anything failed, or no test ran (a run that tests nothing is not green).
import { readFileSync } from 'node:fs';

let report;
try {
  report = JSON.parse(readFileSync(process.argv[2] ?? '.tmp/vitest.json', 'utf8'));
} catch (error) {
  console.error(`no test report: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// A file that fails to load has no failed tests but is a failed suite: count it as a failure.
const failed = Math.max(report.numFailedTests ?? 0, report.numFailedTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(passed === 0 || failed > 0 ? 1 : 0);
