// SPDX-License-Identifier: Apache-2.0
import { ERROR_TABLE, type ErrorCategory, type ErrorCode } from './ErrorCode.js';

/** Details travel on the wire, so they are flat JSON scalars only (no objects, no stacks). */
export type ErrorDetails = Readonly<Record<string, string | number | boolean>>;

export type Locale = 'zh-CN' | 'en';

/** Fills `{name}` placeholders from details; an absent value leaves the placeholder text visible. */
export function formatErrorMessage(code: ErrorCode, locale: Locale, details: ErrorDetails = {}): string {
  const spec = ERROR_TABLE[code];
  const template = locale === 'zh-CN' ? spec.zh : spec.en;
  const fill = (text: string) =>
    text.replace(/\{(\w+)\}/g, (whole, key: string) => {
      const value = details[key];
      return value === undefined ? whole : String(value);
    });
  // Optional segments: kept only when every placeholder inside them has a value.
  const withOptional = template.replace(/\[([^\]]*)\]/g, (_whole, inner: string) =>
    [...inner.matchAll(/\{(\w+)\}/g)].every((m) => details[m[1] ?? ''] !== undefined) ? inner : '',
  );
  return fill(withOptional);
}

/**
 * The one error class of ESeal. `message` is English (for logs and developers); `messageZh` is what a
 * user sees first. Subclass only where extra typed fields are needed.
 */
export class SealError extends Error {
  override readonly name = 'SealError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  readonly category: ErrorCategory;
  readonly retriable: boolean;

  constructor(code: ErrorCode, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(formatErrorMessage(code, 'en', details), options);
    this.code = code;
    this.details = Object.freeze({ ...details });
    this.category = ERROR_TABLE[code].category;
    this.retriable = ERROR_TABLE[code].retriable;
  }

  get messageZh(): string {
    return formatErrorMessage(this.code, 'zh-CN', this.details);
  }

  /** Both languages, Chinese first: what the command line prints. */
  get bilingualMessage(): string {
    return `${this.messageZh} / ${this.message}`;
  }
}

export function isSealError(value: unknown): value is SealError {
  return value instanceof SealError;
}

/** Narrow helper for `catch (e)`: keeps coded errors, wraps anything else as ERR_INTERNAL. */
export function toSealError(value: unknown): SealError {
  if (value instanceof SealError) return value;
  const reason = value instanceof Error ? value.message : String(value);
  return new SealError('ERR_INTERNAL', { reason: reason.slice(0, 200) }, { cause: value });
}
