// SPDX-License-Identifier: Apache-2.0
/**
 * @module
 * A promise queue: tasks run one after another, in the order they were queued. The SKF back end keeps
 * one per device, because a USB KEY executes one command at a time and SKF handles are not safe to use
 * from two threads at once (koffi's `.async` calls run on different pool threads).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task queued before it has settled; a failure does not block later tasks. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
