// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * Builds the `eseal` command tree. Kept apart from the entry point so tests can run commands
 * in-process with `exitOverride()`.
 */
import { Command } from 'commander';
import { registerAgentCommand } from './commands/agent.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerSealCommands } from './commands/seal.js';
import { registerVerifyCommand } from './commands/verify.js';
import { registerPairCommand } from './commands/pair.js';
import { registerPdfCommands } from './commands/pdf.js';
import { registerTokenCommands } from './commands/token.js';
import { registerStatusCommand } from './commands/status.js';
import { ESEAL_VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('eseal')
    .description('ESeal 电子印章工具 / ESeal electronic seal tool')
    .version(ESEAL_VERSION, '-V, --version');
  registerAgentCommand(program);
  registerAuditCommands(program);
  registerSealCommands(program);
  registerVerifyCommand(program);
  registerPdfCommands(program);
  registerPairCommand(program);
  registerTokenCommands(program);
  registerStatusCommand(program);
  return program;
}
