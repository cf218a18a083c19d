/** Waiting on an observable event (a row, a file, a log line, an answer) instead of a fixed sleep. */

export const POLL_MS = 50;

/** Polls `probe` until it returns something truthy, and returns that; throws after `timeoutMs`, naming `what`. */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(POLL_MS);
  }
}
