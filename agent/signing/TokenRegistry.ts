// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * The token back ends the agent uses (soft token now; PKCS#11 and SKF providers plug in through the
 * same TokenProvider interface) and the per-token operation queue: every operation that opens a
 * token session runs alone on that token.
 */
import { SealError } from '../../shared/errors/index.js';
import type { TokenEvent, TokenInfo, TokenProvider, TokenSession } from '../token/TokenProvider.js';
import { KeyedQueue } from './KeyedQueue.js';

export class TokenRegistry {
  private readonly queue = new KeyedQueue();

  constructor(
    readonly providers: readonly TokenProvider[],
    /** Told after every session on a token (for the idle-removal reminder). */
    private readonly onUsed: (token: TokenInfo) => void = () => undefined,
  ) {}

  async list(): Promise<TokenInfo[]> {
    const out: TokenInfo[] = [];
    for (const provider of this.providers) {
      try {
        out.push(...(await provider.list()));
      } catch {
        // A failing back end must not hide the others; it shows up as no token.
      }
    }
    return out;
  }

  /** The token a request addresses: by serial, else the only/first present token. */
  async resolve(serial?: string): Promise<{ provider: TokenProvider; info: TokenInfo }> {
    for (const provider of this.providers) {
      let tokens: readonly TokenInfo[];
      try {
        tokens = await provider.list();
      } catch {
        continue;
      }
      const info = tokens.find((t) => t.present && (serial === undefined || t.serial === serial));
      if (info) return { provider, info };
    }
    throw new SealError('ERR_TOKEN_NOT_PRESENT');
  }

  /**
   * Runs `job` with an open session on the addressed token, alone on that token; the session is
   * logged out and closed afterwards whatever happens.
   */
  withSession<T>(serial: string | undefined, job: (session: TokenSession) => Promise<T>, signal?: AbortSignal, onQueued?: () => void): Promise<T> {
    return this.resolve(serial).then(({ provider, info }) => {
      if (onQueued !== undefined && this.queue.isBusy(info.id)) onQueued();
      return this.queue.run(
        info.id,
        async () => {
          const session = await provider.open({ serial: info.serial });
          try {
            return await job(session);
          } finally {
            await session.logout().catch(() => undefined);
            await session.close().catch(() => undefined);
            this.onUsed(info);
          }
        },
        signal,
      );
    });
  }

  watch(onEvent: (event: TokenEvent) => void): { stop(): void } {
    const watchers = this.providers.map((p) => p.watch(onEvent));
    return { stop: () => watchers.forEach((w) => w.stop()) };
  }

  async close(): Promise<void> {
    for (const p of this.providers) await p.close().catch(() => undefined);
  }
}
