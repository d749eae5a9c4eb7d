// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Entry point of the standalone page SDK script (`eseal-sdk.js`, built by scripts/build.mjs):
 * defines `window.eseal` once. A portal includes it with `<script src="eseal-sdk.js">`.
 */
import { createESealClient, type ESealClient } from './sdk.js';
import './declarative.js'; // data-eseal-* elements seal/verify on click (portals that cannot change code)

const w = window as unknown as { eseal?: ESealClient };
if (w.eseal === undefined) {
  Object.defineProperty(window, 'eseal', { value: Object.freeze(createESealClient(window)), writable: false, configurable: false, enumerable: true });
}
