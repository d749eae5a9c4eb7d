// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Types of the values `test/support/globalSetup.ts` provides to every test file through vitest's
 * `provide`/`inject` (vitest 4: `TestProject.provide` in global setup, `inject` in tests).
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** Directory holding the test PKI made by `scripts/make-test-pki.sh` for this run. */
    testPkiDir: string;
  }
}

export {};
