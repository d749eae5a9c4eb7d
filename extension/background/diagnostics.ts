// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The last errors the background saw, for the options page and the diagnostic report: time,
 * origin, action and code only — never a payload, a document, a PIN or a key.
 */
import type { SealError } from '../../shared/errors/index.js';

export interface ErrorRecord {
  readonly at: string;
  readonly origin: string;
  readonly action: string;
  readonly code: string;
  readonly messageZh: string;
  readonly message: string;
}

export const MAX_ERROR_RECORDS = 20;

export class Diagnostics {
  private readonly records: ErrorRecord[] = [];

  record(origin: string, action: string, error: SealError, now = new Date()): void {
    this.records.push({ at: now.toISOString(), origin: origin.slice(0, 256), action: action.slice(0, 32), code: error.code, messageZh: error.messageZh, message: error.message });
    if (this.records.length > MAX_ERROR_RECORDS) this.records.shift();
  }

  get lastErrors(): readonly ErrorRecord[] {
    return [...this.records];
  }
}
