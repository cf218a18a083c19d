/**
 * SSH connections kept for the length of one run, keyed by user, host, port and key, so a
 * workflow of many SSH tasks on one host logs in once. A task holds its connection alone
 * while it runs: stopping a timed-out command signals every session on that connection
 * (see ssh-remote-kill.ts), and OpenSSH caps sessions per connection (MaxSessions). Tasks
 * that run at the same moment on one host therefore get a connection each; later tasks
 * reuse whichever is free.
 */
import type { Client } from "ssh2";

/** How long dispose() waits for the server to acknowledge each close. */
const CLOSE_WAIT_MS = 2000;

export class SshConnectionPool {
  readonly #idle = new Map<string, Client[]>();
  readonly #leased = new Set<Client>();
  readonly #closed = new WeakSet<Client>();
  /** Leased when dispose() ran: closed when their task gives them back. */
  readonly #retired = new WeakSet<Client>();

  /** A free connection for `key`, or a new one from `connect`; give it back with release(). */
  async acquire(key: string, connect: () => Promise<Client>): Promise<Client> {
    const idle = this.#idle.get(key) ?? [];
    let client = idle.pop();
    while (client && this.#closed.has(client)) client = idle.pop();
    if (!client) {
      client = await connect();
      const fresh = client;
      fresh.once("close", () => this.#closed.add(fresh));
    }
    this.#leased.add(client);
    return client;
  }

  /** Returns a connection; one that is not `reusable` (broken, or its command was cut off) is closed. */
  release(key: string, client: Client, reusable: boolean): void {
    this.#leased.delete(client);
    if (!reusable || this.#retired.has(client) || this.#closed.has(client)) {
      client.end();
      return;
    }
    const idle = this.#idle.get(key) ?? [];
    idle.push(client);
    this.#idle.set(key, idle);
  }

  /**
   * Closes the idle connections: the run is over. A connection still in use (a registry shared
   * by overlapping runs) is closed when its task releases it, never under a running command.
   */
  async dispose(): Promise<void> {
    const idle = [...this.#idle.values()].flat().filter((client) => !this.#closed.has(client));
    this.#idle.clear();
    for (const client of this.#leased) this.#retired.add(client);
    await Promise.all(idle.map((client) => this.#close(client)));
  }

  #close(client: Client): Promise<void> {
    return new Promise<void>((done) => {
      const timer = setTimeout(() => {
        client.destroy();
        done();
      }, CLOSE_WAIT_MS);
      client.once("close", () => {
        clearTimeout(timer);
        done();
      });
      client.end();
    });
  }
}
