// SPDX-License-Identifier: Apache-2.0
/** Renders the extension's managed_schema.json (Chrome/Edge enterprise policy) from the one policy schema. */
import { POLICY_SCHEMA } from '../shared/policy/Policy.js';
import { toJsonSchema } from '../shared/schema/schema.js';

export function renderManagedSchema(): string {
  return JSON.stringify(toJsonSchema(POLICY_SCHEMA), null, 2) + '\n';
}
