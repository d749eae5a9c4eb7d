// SPDX-License-Identifier: Apache-2.0
/** Entry point of the `eseal` command (package bin). */
import { buildProgram } from './program.js';
import { toSealError } from '../../shared/errors/index.js';
import { useNativeSm3IfAvailable } from './nativeCrypto.js';

useNativeSm3IfAvailable();
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    const e = toSealError(error);
    process.stderr.write(`错误 ${e.code}: ${e.bilingualMessage}\n`);
    process.exitCode = e.category === 'input' ? 2 : 1;
  });
