// SPDX-License-Identifier: Apache-2.0
/** Plugs Node's native SM3 into shared/crypto once the crypto core provides the hook. */
export function useNativeSm3IfAvailable(): void {
  // Filled in when agent/crypto/nativeSm3.ts lands (issue 2, crypto core).
}
