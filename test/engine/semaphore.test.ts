import { describe, expect, test } from "bun:test";
import { Semaphore } from "../../src/engine/semaphore.ts";
import { settle } from "../helpers/manual-clock.ts";

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
    await settle();
    expect(order).toEqual([]);
    first();
    first(); // releasing twice must not free a second slot
    await settle();
    expect(order).toEqual([3]);
    second();
    await Promise.all([third, fourth]);
    expect(order).toEqual([3, 4]);
  });

  test("rejects a limit below 1", () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
