// SPDX-License-Identifier: Apache-2.0
/**
 * A tiny JSON Schema (draft 2020-12) validator for the subset docs/verification-report.schema.json uses:
 * `type`, `const`, `enum`, `pattern`, `required`, `properties`, `additionalProperties` (false or a
 * schema), `items`, `minItems`, `maxItems`, `minimum`, `$ref` to `#/$defs/…`. No eval, no packages.
 * Unknown keywords make it fail loudly so the schema cannot silently outgrow it.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = { [k: string]: unknown };

const KNOWN = new Set(['$schema', '$id', 'title', 'description', '$defs', 'type', 'const', 'enum', 'pattern', 'required', 'properties', 'additionalProperties', 'items', 'minItems', 'maxItems', 'minimum', '$ref']);

function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, v: Json): boolean {
  const t = typeOf(v);
  return want === t || (want === 'number' && t === 'integer');
}

export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  const resolve = (ref: string): Schema => {
    const m = /^#\/\$defs\/(.+)$/.exec(ref);
    const defs = root.$defs as Record<string, Schema> | undefined;
    const s = m?.[1] === undefined ? undefined : defs?.[m[1]];
    if (s === undefined) throw new Error(`unresolvable $ref ${ref}`);
    return s;
  };
  const walk = (schema: Schema, v: Json, path: string): void => {
    for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`unsupported keyword ${k} at ${path}`);
    if (typeof schema.$ref === 'string') walk(resolve(schema.$ref), v, path);
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
      if (!types.some((t) => typeMatches(t, v))) {
        errors.push(`${path}: expected ${types.join('|')}, got ${typeOf(v)}`);
        return;
      }
    }
    if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(v)) errors.push(`${path}: expected const ${JSON.stringify(schema.const)}`);
    if (Array.isArray(schema.enum) && !(schema.enum as Json[]).some((e) => JSON.stringify(e) === JSON.stringify(v))) errors.push(`${path}: ${JSON.stringify(v)} not in enum`);
    if (typeof schema.pattern === 'string' && typeof v === 'string' && !new RegExp(schema.pattern, 'u').test(v)) errors.push(`${path}: ${JSON.stringify(v)} does not match ${schema.pattern}`);
    if (typeof schema.minimum === 'number' && typeof v === 'number' && v < schema.minimum) errors.push(`${path}: below minimum`);
    if (Array.isArray(v)) {
      if (typeof schema.minItems === 'number' && v.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
      if (typeof schema.maxItems === 'number' && v.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`);
      if (schema.items !== undefined) v.forEach((item, i) => walk(schema.items as Schema, item, `${path}[${i}]`));
    } else if (v !== null && typeof v === 'object') {
      for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in v)) errors.push(`${path}: missing required ${r}`);
      const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
      for (const [k, child] of Object.entries(v)) {
        const ps = props[k];
        if (ps !== undefined) walk(ps, child, `${path}.${k}`);
        else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property ${k}`);
        else if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) walk(schema.additionalProperties as Schema, child, `${path}.${k}`);
      }
    }
  };
  walk(root, value as Json, '$');
  return errors;
}
