// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * PIN entry through a native GnuPG `pinentry` program (policy `pin.entry: "pinentry"`), speaking the
 * Assuan protocol on its stdin/stdout: the PIN then never crosses the WebSocket at all.
 *
 * Exchange: the program greets `OK …`; we send `SETTITLE`, `SETDESC` (portal, seal, document, SM3
 * fingerprint, retries left), `SETPROMPT`, optionally `SETERROR` (after a wrong PIN), then `GETPIN`;
 * it answers `D <percent-escaped PIN>` + `OK`, or `ERR <code> <text>` when the user cancels. We end
 * with `BYE`. Strings we send are percent-escaped (`%`, CR, LF) as Assuan requires.
 */
import { spawn } from 'node:child_process';
import { SealError } from '../../shared/errors/index.js';

export interface PinentryRequest {
  readonly program: string;
  readonly title: string;
  readonly description: string;
  readonly prompt: string;
  readonly error?: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

function escape(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function unescape(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Asks the pinentry program for a PIN; resolves undefined when the user cancels. */
export function askPinentry(r: PinentryRequest): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(r.program, [], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, LC_ALL: process.env['LC_ALL'] ?? 'C.UTF-8' } });
    const commands = [`SETTITLE ${escape(r.title)}`, `SETDESC ${escape(r.description)}`, `SETPROMPT ${escape(r.prompt)}`, ...(r.error !== undefined ? [`SETERROR ${escape(r.error)}`] : []), 'GETPIN'];
    let buffer = '';
    let pin: string | undefined;
    let settled = false;
    const finish = (error: Error | undefined, value?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      r.signal?.removeEventListener('abort', onAbort);
      try {
        child.stdin.end('BYE\n');
      } catch {
        // already gone
      }
      setTimeout(() => child.kill(), 200).unref();
      if (error) reject(error);
      else resolve(value);
    };
    const onAbort = (): void => finish(r.signal?.reason instanceof Error ? r.signal.reason : new SealError('ERR_USER_CANCELLED'));
    const timer = setTimeout(() => finish(new SealError('ERR_TIMEOUT')), r.timeoutMs);
    r.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => finish(new SealError('ERR_INTERNAL', { reason: `pinentry could not start: ${error.message.slice(0, 120)}` })));
    child.on('exit', () => finish(new SealError('ERR_INTERNAL', { reason: 'pinentry exited early' })));
    child.stdin.on('error', () => undefined);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > 64 * 1024) return finish(new SealError('ERR_INTERNAL', { reason: 'pinentry sent too much' }));
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('#') || line.startsWith('S ') || line === '') continue;
        if (line.startsWith('D ')) {
          pin = unescape(line.slice(2));
          continue;
        }
        if (line === 'OK' || line.startsWith('OK ')) {
          const next = commands.shift();
          if (next !== undefined) child.stdin.write(`${next}\n`);
          else finish(undefined, pin);
          continue;
        }
        if (line.startsWith('ERR')) {
          // The last command is GETPIN: an error there is the user cancelling (GPG_ERR_CANCELED 99).
          if (commands.length === 0) finish(undefined, undefined);
          else finish(new SealError('ERR_INTERNAL', { reason: `pinentry: ${line.slice(0, 120)}` }));
        }
      }
    });
  });
}
