// SPDX-License-Identifier: Apache-2.0
export * from './der.js';
export * from './read.js';
export * from './derWriter.js';
export * as oids from './oids.js';
