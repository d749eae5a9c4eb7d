// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Titled input assertions for the public crypto entry points (noble's `abytes` style).
 *
 * Design rationale: every public function checks its arguments before any arithmetic runs, so a
 * malformed value becomes one coded `SealError` (`ERR_INPUT_INVALID {name, reason}`) that names the
 * offending argument, instead of a `TypeError` deep inside BigInt or typed-array code. The title is
 * the caller-facing parameter name, which is what a developer reading the error needs.
 */
import { SealError } from '../errors/index.js';

/** Throws `ERR_INPUT_INVALID` for the argument `name`. */
export function invalidInput(name: string, reason: string): SealError {
  return new SealError('ERR_INPUT_INVALID', { name, reason });
}

/** A real `Uint8Array` (a `Buffer` is one too); anything else is described briefly for the message. */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array || (ArrayBuffer.isView(value) && value.constructor.name === 'Uint8Array');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

/**
 * Asserts `value` is a Uint8Array, optionally of one of the given lengths.
 * @param title - argument name shown in the error
 * @param value - the value to check
 * @param lengths - accepted lengths; none means any length
 */
export function assertBytes(title: string, value: unknown, ...lengths: number[]): asserts value is Uint8Array {
  if (!isBytes(value)) throw invalidInput(title, `expected Uint8Array, got ${describe(value)}`);
  if (lengths.length > 0 && !lengths.includes(value.length)) {
    throw invalidInput(title, `expected ${lengths.join(' or ')} bytes, got ${value.length}`);
  }
}

/** Asserts a Uint8Array whose length is a positive multiple of `unit` (or zero when `allowEmpty`). */
export function assertBytesMultiple(title: string, value: unknown, unit: number, allowEmpty = true): asserts value is Uint8Array {
  assertBytes(title, value);
  if (value.length % unit !== 0 || (!allowEmpty && value.length === 0)) {
    throw invalidInput(title, `expected a multiple of ${unit} bytes, got ${value.length}`);
  }
}

/** Asserts a string. */
export function assertString(title: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw invalidInput(title, `expected string, got ${describe(value)}`);
}

/** Asserts a safe non-negative integer within [min, max]. */
export function assertInteger(title: string, value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidInput(title, `expected an integer in [${min}, ${max}], got ${typeof value === 'number' ? String(value) : describe(value)}`);
  }
}

/** Asserts a bigint within [min, max] (inclusive). */
export function assertBigInt(title: string, value: unknown, min: bigint, max: bigint): asserts value is bigint {
  if (typeof value !== 'bigint') throw invalidInput(title, `expected bigint, got ${describe(value)}`);
  if (value < min || value > max) throw invalidInput(title, 'out of range');
}

/** Asserts a boolean. */
export function assertBoolean(title: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw invalidInput(title, `expected boolean, got ${describe(value)}`);
}

/** Asserts `value` is undefined or a plain object (for option bags). */
export function assertOptions(title: string, value: unknown): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidInput(title, `expected an options object, got ${describe(value)}`);
  }
}

/** Asserts `value` is one of `allowed`. */
export function assertOneOf<T extends string>(title: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidInput(title, `expected one of ${allowed.join(', ')}`);
  }
}
