// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Loads the machine policy from the OS's standard location (or `--policy` / ESEAL_POLICY).
 * A bad file stops the agent with ERR_POLICY_INVALID naming the field; the agent never runs with a
 * half-read policy. No file at all means the built-in default: deny every portal.
 */
import { readFileSync, statSync } from 'node:fs';
import { platform } from 'node:os';
import { join } from 'node:path';
import { parsePolicy, type Policy } from '../../shared/policy/Policy.js';
import { SealError } from '../../shared/errors/index.js';

export const MAX_POLICY_BYTES = 1024 * 1024;

export function standardPolicyPath(env: NodeJS.ProcessEnv = process.env, os: NodeJS.Platform = platform()): string {
  if (os === 'win32') return join(env['ProgramData'] ?? 'C:\\ProgramData', 'ESeal', 'policy.json');
  if (os === 'darwin') return '/Library/Application Support/ESeal/policy.json';
  return '/etc/eseal/policy.json';
}

export interface LoadedPolicy {
  readonly policy: Policy;
  /** Where it came from: a file path, or `default` when no file exists. */
  readonly source: string;
}

/** `explicitPath` (from --policy) must exist; the standard location may be absent. */
export function loadPolicy(explicitPath?: string, env: NodeJS.ProcessEnv = process.env): LoadedPolicy {
  const path = explicitPath ?? env['ESEAL_POLICY'] ?? standardPolicyPath(env);
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    if (explicitPath !== undefined || env['ESEAL_POLICY'] !== undefined) throw new SealError('ERR_FILE_NOT_FOUND', { path });
    return { policy: parsePolicy({}), source: 'default' };
  }
  if (size > MAX_POLICY_BYTES) throw new SealError('ERR_POLICY_INVALID', { field: '(file)', reason: `larger than ${MAX_POLICY_BYTES} bytes` });
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new SealError('ERR_POLICY_INVALID', { field: '(file)', reason: `not valid JSON: ${error instanceof Error ? error.message.slice(0, 120) : ''}` });
  }
  return { policy: parsePolicy(value), source: path };
}
