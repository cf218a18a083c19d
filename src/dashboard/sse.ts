/**
 * Server-sent events for the live parts: an execution's page hears "change" whenever a task
 * starts, ends or prints, and "end" once the execution is over; a log page hears "append"
 * with each new piece of the file. They poll the store and the file only while a page is open.
 */
import { attemptOf } from "./data.ts";
import type { DashboardHost } from "./host.ts";
import { readLogFrom } from "./log-file.ts";

const EXECUTION_POLL_MS = 500;
const LOG_POLL_MS = 300;
/** Under Bun.serve's 10 s idle timeout, so a quiet stream is not cut. */
const HEARTBEAT_MS = 4000;
const LOG_CHUNK_BYTES = 256 * 1024;

interface Channel {
  send(event: string, data: unknown): void;
  close(): void;
  readonly closed: boolean;
}

/** A text/event-stream response; `poll` runs every `intervalMs` until it or the client closes the stream. */
function eventStream(signal: AbortSignal, intervalMs: number, poll: (channel: Channel) => void): Response {
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setInterval> | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const stop = () => {
        if (closed) return;
        closed = true;
        clearInterval(timer);
        clearInterval(heartbeat);
        try {
          controller.close();
        } catch {
          // The client went first.
        }
      };
      const write = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop();
        }
      };
      const channel: Channel = {
        send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
        close: stop,
        get closed() {
          return closed;
        },
      };
      const tick = () => {
        try {
          poll(channel);
        } catch (error) {
          channel.send("error", { error: (error as Error).message });
          stop();
        }
      };
      signal.addEventListener("abort", stop, { once: true });
      write("retry: 2000\n\n");
      tick();
      timer = setInterval(tick, intervalMs);
      heartbeat = setInterval(() => write(": ping\n\n"), HEARTBEAT_MS);
    },
    cancel() {
      closed = true;
      clearInterval(timer);
      clearInterval(heartbeat);
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store" } });
}

/** "change" with the execution's status whenever its rows change (at once on connect), "end" when it is over. */
export function executionEvents(host: DashboardHost, executionId: string, signal: AbortSignal): Response {
  let last = "";
  return eventStream(signal, EXECUTION_POLL_MS, (channel) => {
    const execution = host.reads.findExecution(executionId);
    if (!execution) {
      channel.send("end", { status: "gone" });
      channel.close();
      return;
    }
    // Without the output tails: the store writes them when an attempt ends, which changes its status anyway.
    const rows = host.reads.taskSummaries([executionId]).get(executionId) ?? [];
    const signature = [execution.status, ...rows.map((row) => `${row.id}:${row.status}`)].join("|");
    if (signature !== last) {
      last = signature;
      channel.send("change", { status: execution.status, attempts: rows.length });
    }
    if (execution.status !== "Running" || !host.isLive(execution)) {
      channel.send("end", { status: execution.status });
      channel.close();
    }
  });
}

/** "append" with each new piece of the task's log from `offset`; "end" once the task has finished and the file is read. */
export function logEvents(host: DashboardHost, executionId: string, task: string, attempt: number | undefined, offset: number, signal: AbortSignal): Response {
  let position = offset;
  const decoder = new TextDecoder();
  return eventStream(signal, LOG_POLL_MS, (channel) => {
    const execution = host.reads.findExecution(executionId);
    const row = execution ? attemptOf(host.reads.taskExecutions(executionId), task, attempt) : undefined;
    const running = row !== undefined && execution !== undefined && row.status === "Running" && host.isLive(execution);
    if (row?.logPath) {
      for (;;) {
        const bytes = readLogFrom(row.logPath, position, LOG_CHUNK_BYTES);
        if (bytes.length === 0) break;
        position += bytes.length;
        // stream: a character split across two reads is decoded whole with the next one.
        channel.send("append", decoder.decode(bytes, { stream: true }));
      }
    }
    if (!running) {
      channel.send("end", { status: row?.status ?? "gone", offset: position });
      channel.close();
    }
  });
}
