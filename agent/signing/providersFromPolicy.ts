// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The token back ends named by the machine policy: one PKCS#11 provider per `token.pkcs11Libraries`
 * entry and one SKF provider per `token.skfLibraries` entry (paths the administrator approved; never
 * from the wire). A library that cannot be loaded is reported and skipped, so one broken vendor
 * driver does not stop the agent.
 */
import type { Policy } from '../../shared/policy/Policy.js';
import { Pkcs11TokenProvider } from '../token/pkcs11/Pkcs11TokenProvider.js';
import { SkfTokenProvider } from '../token/skf/SkfTokenProvider.js';
import type { TokenProvider } from '../token/TokenProvider.js';

export function providersFromPolicy(policy: Policy, warn: (line: string) => void = () => undefined): TokenProvider[] {
  const out: TokenProvider[] = [];
  for (const libraryPath of policy.token.pkcs11Libraries) {
    try {
      out.push(new Pkcs11TokenProvider({ libraryPath }));
    } catch (error) {
      warn(`PKCS#11 库无法加载 / cannot load PKCS#11 library ${libraryPath}: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`);
    }
  }
  for (const library of policy.token.skfLibraries) {
    try {
      out.push(new SkfTokenProvider({ library }));
    } catch (error) {
      warn(`SKF 库无法加载 / cannot load SKF library ${library}: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`);
    }
  }
  return out;
}
