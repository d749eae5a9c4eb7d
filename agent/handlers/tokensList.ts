// SPDX-License-Identifier: Apache-2.0
import type { Handler } from './types.js';

/** `tokens.list`: every present token of every back end (no session opened, no PIN), with its PIN age. */
export const tokensList: Handler = async (_scope, services) => ({
  tokens: (await services.tokens.list()).map((token) => ({ ...token, ...services.care.pinStatus(token) })),
});
