// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * A small declarative schema language and validator, used for the machine/managed policy and the
 * protocol's strict per-method parameters.
 *
 * Design rationale: MV3 forbids `eval`/`new Function`, which rules out code-generating validators
 * (ajv). This interpreter walks a plain-object schema: every object is closed (unknown fields are
 * rejected), strings and arrays have size caps, and the first problem is reported with the field's
 * dotted path so an administrator can find it (`portals[2].sealTypes[0]`). The same schema can be
 * rendered as JSON Schema for Chrome's `managed_schema.json` and the docs.
 */
import { SealError, type ErrorCode } from '../errors/index.js';

export type Schema =
  | { readonly type: 'string'; readonly maxLength: number; readonly minLength?: number; readonly pattern?: RegExp; readonly enum?: readonly string[]; readonly description?: string }
  | { readonly type: 'integer'; readonly minimum: number; readonly maximum: number; readonly description?: string }
  | { readonly type: 'boolean'; readonly description?: string }
  | { readonly type: 'array'; readonly items: Schema; readonly maxItems: number; readonly minItems?: number; readonly unique?: boolean; readonly description?: string }
  | { readonly type: 'object'; readonly properties: Readonly<Record<string, Schema>>; readonly required?: readonly string[]; readonly description?: string };

export interface SchemaProblem {
  /** Dotted path of the offending field, e.g. `portals[0].origin`; empty for the root. */
  readonly field: string;
  readonly reason: string;
}

const MAX_DEPTH = 16;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Returns the first problem, or undefined when `value` matches `schema`. */
export function findSchemaProblem(schema: Schema, value: unknown, field = '', depth = 0): SchemaProblem | undefined {
  if (depth > MAX_DEPTH) return { field, reason: 'nested too deeply' };
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') return { field, reason: `must be a string, not ${describe(value)}` };
      if (value.length > schema.maxLength) return { field, reason: `longer than ${schema.maxLength} characters` };
      if (schema.minLength !== undefined && value.length < schema.minLength) return { field, reason: `shorter than ${schema.minLength} characters` };
      if (schema.enum && !schema.enum.includes(value)) return { field, reason: `must be one of ${schema.enum.join(', ')}` };
      if (schema.pattern && !schema.pattern.test(value)) return { field, reason: 'has the wrong form' };
      return undefined;
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) return { field, reason: `must be an integer, not ${describe(value)}` };
      if (value < schema.minimum || value > schema.maximum) return { field, reason: `must be between ${schema.minimum} and ${schema.maximum}` };
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : { field, reason: `must be true or false, not ${describe(value)}` };
    case 'array': {
      if (!Array.isArray(value)) return { field, reason: `must be an array, not ${describe(value)}` };
      if (value.length > schema.maxItems) return { field, reason: `has more than ${schema.maxItems} items` };
      if (schema.minItems !== undefined && value.length < schema.minItems) return { field, reason: `needs at least ${schema.minItems} items` };
      for (let i = 0; i < value.length; i++) {
        const problem = findSchemaProblem(schema.items, value[i], `${field}[${i}]`, depth + 1);
        if (problem) return problem;
      }
      if (schema.unique) {
        const seen = new Set<string>();
        for (let i = 0; i < value.length; i++) {
          const key = JSON.stringify(value[i]);
          if (seen.has(key)) return { field: `${field}[${i}]`, reason: 'is a duplicate' };
          seen.add(key);
        }
      }
      return undefined;
    }
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return { field, reason: `must be an object, not ${describe(value)}` };
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (!Object.prototype.hasOwnProperty.call(schema.properties, key)) return { field: field ? `${field}.${key}` : key, reason: 'is not a known field' };
      }
      for (const key of schema.required ?? []) {
        if (!Object.prototype.hasOwnProperty.call(record, key)) return { field: field ? `${field}.${key}` : key, reason: 'is required' };
      }
      for (const [key, sub] of Object.entries(schema.properties)) {
        if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
        const problem = findSchemaProblem(sub, record[key], field ? `${field}.${key}` : key, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
  }
}

/** Validates and narrows; throws `code` with details {field, reason} on the first problem. */
export function assertSchema<T>(schema: Schema, value: unknown, code: Extract<ErrorCode, 'ERR_POLICY_INVALID' | 'ERR_PROTOCOL_MALFORMED' | 'ERR_INPUT_INVALID'>): T {
  const problem = findSchemaProblem(schema, value);
  if (problem) {
    const field = problem.field || '(root)';
    if (code === 'ERR_POLICY_INVALID') throw new SealError(code, { field, reason: problem.reason });
    if (code === 'ERR_INPUT_INVALID') throw new SealError(code, { name: field, reason: problem.reason });
    throw new SealError(code, { reason: `${field} ${problem.reason}` });
  }
  return value as T;
}

/** Renders a schema as JSON Schema (the subset Chrome's managed_schema.json understands). */
export function toJsonSchema(schema: Schema): Record<string, unknown> {
  const base: Record<string, unknown> = schema.description ? { description: schema.description } : {};
  switch (schema.type) {
    case 'string':
      return { ...base, type: 'string', ...(schema.enum && { enum: [...schema.enum] }), ...(schema.pattern && { pattern: schema.pattern.source }) };
    case 'integer':
      return { ...base, type: 'integer', minimum: schema.minimum, maximum: schema.maximum };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'array':
      return { ...base, type: 'array', items: toJsonSchema(schema.items) };
    case 'object':
      return {
        ...base,
        type: 'object',
        properties: Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, toJsonSchema(v)])),
      };
  }
}
