// SPDX-License-Identifier: Apache-2.0
declare const __ESEAL_VERSION__: string | undefined;

/** Injected by esbuild from package.json; `dev` when run unbundled (tests). */
export const ESEAL_VERSION: string = typeof __ESEAL_VERSION__ === 'string' ? __ESEAL_VERSION__ : 'dev';
