import { describe, expect, test } from "bun:test";
import { backoffDelayMs } from "../../src/engine/run-task.ts";
import { Semaphore } from "../../src/engine/semaphore.ts";
import { TailBuffer } from "../../src/executors/output.ts";

describe("backoff", () => {
  const policy = { retries: 5, initialBackoffMs: 1000, multiplier: 2, maxBackoffMs: 300_000 };
  test("doubles from the base and stops at the cap", () => {
    expect([1, 2, 3, 4].map((k) => backoffDelayMs(policy, k))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelayMs(policy, 20)).toBe(300_000);
  });
});

describe("semaphore", () => {
  test("admits at most `limit` holders and serves waiters in order", async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    const first = await semaphore.acquire();
    const second = await semaphore.acquire();
    const third = semaphore.acquire().then((release) => {
      order.push(3);
      return release;
    });
    const fourth = semaphore.acquire().then((release) => {
      order.push(4);
      return release;
    });
    await Bun.sleep(5);
    expect(order).toEqual([]);
    first();
    first(); // releasing twice must not free a second slot
    await Bun.sleep(5);
    expect(order).toEqual([3]);
    second();
    await Promise.all([third, fourth]);
    expect(order).toEqual([3, 4]);
  });

  test("rejects a limit below 1", () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});

describe("tail buffer", () => {
  test("keeps the last bytes written, across chunk boundaries", () => {
    const tail = new TailBuffer(10);
    for (const piece of ["hello ", "wonderful ", "world"]) tail.push(new TextEncoder().encode(piece));
    expect(tail.text()).toBe("rful world");
  });

  test("a cut through a multi-byte character does not throw", () => {
    const tail = new TailBuffer(4);
    tail.push(new TextEncoder().encode("ééé"));
    expect(tail.text().endsWith("é")).toBe(true);
  });
});
