/** Debian's real Prometheus Pushgateway and node_exporter on free loopback ports, for the metrics export tests. */
import { existsSync } from "node:fs";
import { freePort } from "./ports.ts";

export const PUSHGATEWAY_PATH = "/usr/bin/prometheus-pushgateway";
export const NODE_EXPORTER_PATH = "/usr/bin/prometheus-node-exporter";

export interface PromServer {
  /** http://127.0.0.1:PORT */
  url: string;
  stop(): Promise<void>;
}

/** Starts `binary` with `args(port)` and waits until GET `readyPath` answers 200; retries on another port if it dies. */
export async function startPromServer(binary: string, args: (listen: string) => string[], readyPath: string): Promise<PromServer> {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: apt-get install -y prometheus-pushgateway prometheus-node-exporter`);
  for (let tries = 0; tries < 5; tries++) {
    const port = await freePort();
    const child = Bun.spawn([binary, ...args(`127.0.0.1:${port}`)], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      child.kill("SIGTERM");
      await child.exited;
    };
    for (let i = 0; i < 200 && child.exitCode === null; i++) {
      const ready = await fetch(`${url}${readyPath}`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return { url, stop };
      await Bun.sleep(50);
    }
    await stop();
  }
  throw new Error(`${binary} did not become ready`);
}

/** The sample lines of `name` in a text exposition, e.g. `picoflow_x{a="b"} 1`. */
export function samples(text: string, name: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}
