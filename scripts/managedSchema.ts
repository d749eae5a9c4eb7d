// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Renders the extension's managed_schema.json (Chrome/Edge enterprise policy) from the one policy
 * schema (shared/policy POLICY_SCHEMA).
 *
 * Why only the shape (types and field names) and not the value rules (patterns, enums, ranges):
 * Chrome filters managed values against this schema itself and silently drops a whole top-level
 * field when any part of it fails (one bad portal origin removes every portal), so the extension
 * would run a half policy it cannot see was cut. With the shape only, Chrome hands over what the
 * administrator wrote, and the extension's own validator (the same one the agent uses) judges the
 * whole policy at once: invalid → deny all, with the field named in the options page. The value
 * rules are kept in each field's description, which chrome://policy and admin tools show.
 */
import { POLICY_SCHEMA } from '../shared/policy/Policy.js';
import type { Schema } from '../shared/schema/schema.js';

function rules(schema: Schema): string {
  switch (schema.type) {
    case 'string':
      return [schema.enum ? `one of ${schema.enum.join(', ')}` : '', `at most ${schema.maxLength} characters`, schema.pattern ? `form ${schema.pattern.source}` : ''].filter(Boolean).join('; ');
    case 'integer':
      return `${schema.minimum}..${schema.maximum}`;
    case 'array':
      return `at most ${schema.maxItems} items${schema.unique ? ', no duplicates' : ''}`;
    case 'object':
      return schema.required?.length ? `required: ${schema.required.join(', ')}` : '';
    default:
      return '';
  }
}

/** The Chrome managed_schema rendering of one schema node (JSON Schema draft-03 subset). */
export function managedSchemaNode(schema: Schema): Record<string, unknown> {
  const description = [schema.description, rules(schema)].filter(Boolean).join(' — ');
  const base: Record<string, unknown> = description ? { description } : {};
  switch (schema.type) {
    case 'string':
    case 'integer':
    case 'boolean':
      return { ...base, type: schema.type };
    case 'array':
      return { ...base, type: 'array', items: managedSchemaNode(schema.items) };
    case 'object':
      return { ...base, type: 'object', properties: Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, managedSchemaNode(v)])) };
  }
}

export function renderManagedSchema(): string {
  return `${JSON.stringify(managedSchemaNode(POLICY_SCHEMA), null, 2)}\n`;
}
