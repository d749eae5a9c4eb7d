// SPDX-License-Identifier: Apache-2.0
/** Entry point of the `eseal` command (package bin). */
import { buildProgram } from './program.js';
import { toSealError } from '../../shared/errors/index.js';
import { useNativeSm3 } from '../crypto/nativeSm3.js';

// The agent hashes whole documents: use OpenSSL's SM3 (the pure path stays as fallback).
useNativeSm3();
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    const e = toSealError(error);
    process.stderr.write(`错误 ${e.code}: ${e.bilingualMessage}\n`);
    process.exitCode = e.category === 'input' ? 2 : 1;
  });
