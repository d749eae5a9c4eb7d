// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * One operation at a time per key (a token): a promise chain per key. A job whose signal is
 * aborted while it waits is skipped (it rejects with the abort reason) and never touches the token.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Number of keys with a job running or waiting (for status and tests). */
  get busyKeys(): number {
    return this.tails.size;
  }

  /** Whether a job for `key` is running or waiting (a new one would queue behind it). */
  isBusy(key: string): boolean {
    return this.tails.has(key);
  }

  run<T>(key: string, job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(() => {
      if (signal?.aborted) throw signal.reason;
      return job();
    });
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
