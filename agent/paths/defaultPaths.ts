// SPDX-License-Identifier: Apache-2.0
/** Standard per-user locations of the agent's state, per operating system. */
import { homedir, platform } from 'node:os';
import { join } from 'node:path';

/** Where the agent keeps state (audit log, pairing keys, seal store) for the current user. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, os: NodeJS.Platform = platform()): string {
  if (env['ESEAL_STATE_DIR']) return env['ESEAL_STATE_DIR'];
  if (os === 'win32') return join(env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'ESeal');
  if (os === 'darwin') return join(homedir(), 'Library', 'Application Support', 'ESeal');
  return join(env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state'), 'eseal');
}

export function defaultAuditDir(env: NodeJS.ProcessEnv = process.env, os: NodeJS.Platform = platform()): string {
  return join(defaultStateDir(env, os), 'audit');
}
