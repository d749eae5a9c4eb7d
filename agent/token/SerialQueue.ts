// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * A promise queue: tasks run one after another, in the order they were queued. Every token back end
 * keeps one per token, because a USB KEY executes one command at a time and PKCS#11 sessions / SKF
 * handles are not safe to use from two threads at once (pkcs11js async calls and koffi's `.async`
 * run on libuv pool threads).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task queued before it has settled; a failure does not block later tasks. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
