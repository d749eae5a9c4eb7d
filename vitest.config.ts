// SPDX-License-Identifier: Apache-2.0
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the OpenSSL test PKI once per run into a temp dir (test/support/testPki.ts reads it).
    globalSetup: ['test/support/globalSetup.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Cross-checks spawn OpenSSL and real processes; two cores here.
    maxWorkers: 2,
  },
});
