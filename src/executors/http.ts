/**
 * HTTP tasks with fetch: `${VAR}` substitution in url, headers and body, a request timeout that
 * covers connecting and the whole response, status rules, and the body streamed to the output.
 */
import { readFileSync } from "node:fs";
import { timerMs } from "../util/duration.ts";
import type { HttpTask } from "../workflow/model.ts";
import { MissingVariableError, RedactingWriter, Substitution } from "./substitute.ts";
import { MissingValueError } from "./values.ts";
import { type ExecutionContext, type Executor, type ExecutorOutcome, failure, type FailureKind, type OutputSink } from "./types.ts";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

interface PreparedRequest {
  url: string;
  init: RequestInit & { tls?: { ca: string } };
}

type Prepared = { ok: true; request: PreparedRequest } | { ok: false; outcome: ExecutorOutcome };

export const httpExecutor: Executor<HttpTask> = {
  async run(task: HttpTask, { signal, output, env, values }: ExecutionContext): Promise<ExecutorOutcome> {
    const substitution = new Substitution(env, values);
    const prepared = await prepare(task, substitution);
    if (!prepared.ok) return prepared.outcome;
    // The url as written, so no substituted value reaches the log.
    const shown = `${task.method} ${task.url}`;
    output.note(`request: ${shown}`);

    const requestTimeout = new AbortController();
    const timer = setTimeout(() => requestTimeout.abort(), timerMs(task.requestTimeoutMs));
    const started = performance.now();
    const elapsed = () => `${Math.round(performance.now() - started)} ms`;
    try {
      const response = await fetch(prepared.request.url, { ...prepared.request.init, signal: AbortSignal.any([signal, requestTimeout.signal]) });
      const statusLine = [response.status, response.statusText].filter(Boolean).join(" ");
      output.write("stderr", `HTTP ${statusLine} after ${elapsed()}\n`);
      const bytes = await streamBody(response, output, substitution);
      output.write("stderr", `received ${bytes} bytes in ${elapsed()}\n`);
      if (!statusAccepted(response.status, task.expectedStatus)) {
        const wanted = task.expectedStatus ? task.expectedStatus.join(", ") : "200-299";
        return failure("http-status", `${shown} returned HTTP ${response.status}; expected ${wanted}`);
      }
      return { ok: true, exitCode: null };
    } catch (error) {
      if (signal.aborted) return failure("interrupted", `${shown} was cut off`);
      if (requestTimeout.signal.aborted) {
        return failure("timeout", `${shown}: no complete response within ${task.requestTimeoutMs / 1000}s (config.timeout)`);
      }
      const { kind, reason } = classify(error, task);
      return failure(kind, substitution.redact(`${shown}: ${reason}`));
    } finally {
      clearTimeout(timer);
    }
  },
};

async function prepare(task: HttpTask, substitution: Substitution): Promise<Prepared> {
  let url: string;
  const headers = new Headers();
  let body: string | undefined;
  try {
    url = substitution.text(task.url, "url");
    for (const [name, value] of Object.entries(task.headers)) {
      const text = substitution.text(value, `headers.${name}`);
      // The value may hold a secret, so the message names only the header.
      if (!validHeader(headers, name, text)) {
        return { ok: false, outcome: failure("config", `headers.${name}: not a valid HTTP header name, or its value holds a line break`) };
      }
    }
    if (task.body !== undefined) {
      const value = substitution.deep(task.body, "body");
      // A string body goes as written; anything else is the guide's JSON body.
      body = typeof value === "string" ? value : JSON.stringify(value);
      if (typeof value !== "string" && !headers.has("content-type")) headers.set("content-type", "application/json");
    }
  } catch (error) {
    if (error instanceof MissingVariableError || error instanceof MissingValueError) return { ok: false, outcome: failure("missing-variable", error.message) };
    throw error;
  }
  try {
    new URL(url);
  } catch {
    return { ok: false, outcome: failure("config", `url ${task.url} is not a valid URL once variables are substituted`) };
  }
  substitution.hideUserinfo(url);
  const init: PreparedRequest["init"] = { method: task.method, headers, redirect: "follow" };
  if (body !== undefined) init.body = body;
  if (task.caFile !== undefined) {
    const ca = await readCaFile(task.caFile);
    if (typeof ca !== "string") return { ok: false, outcome: ca };
    init.tls = { ca };
  }
  return { ok: true, request: { url, init } };
}

function validHeader(headers: Headers, name: string, value: string): boolean {
  try {
    headers.set(name, value);
    return true;
  } catch {
    return false;
  }
}

/** The CA bundle's PEM text, or a failure naming the file: Bun reports a bad CA only as "FailedToOpenSocket". */
async function readCaFile(path: string): Promise<string | ExecutorOutcome> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message;
    return failure("config", `cannot read ca_file ${path}: ${reason}`);
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return failure("config", `ca_file ${path} contains no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  // node:crypto costs about 1.5 MiB once loaded: only tasks with a ca_file pay for it.
  const { X509Certificate } = await import("node:crypto");
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return failure("config", `ca_file ${path}: certificate ${index + 1} is not a valid PEM certificate`);
    }
  }
  return blocks.join("\n");
}

/** Streams the body to stdout (redacted when the request used variables); returns its size in bytes. */
async function streamBody(response: Response, output: OutputSink, substitution: Substitution): Promise<number> {
  if (!response.body) return 0;
  let bytes = 0;
  const redactor = substitution.hasSecrets ? new RedactingWriter(substitution, (text) => output.write("stdout", text)) : undefined;
  for await (const chunk of response.body) {
    bytes += chunk.byteLength;
    if (redactor) redactor.write(chunk);
    else output.write("stdout", chunk);
  }
  redactor?.end();
  return bytes;
}

function statusAccepted(status: number, expected: readonly number[] | undefined): boolean {
  return expected ? expected.includes(status) : status >= 200 && status <= 299;
}

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME|ISSUER/;
const DNS_CODES = new Set(["ENOTFOUND", "DNS_ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "ESERVFAIL", "DNS_ESERVFAIL"]);

/** Turns fetch's error into a failure kind and a reason that does not repeat the url (which may hold secrets). */
function classify(error: unknown, task: HttpTask): { kind: FailureKind; reason: string } {
  const code = String((error as { code?: unknown })?.code ?? "");
  const message = firstLine((error as Error)?.message ?? String(error));
  const host = hostOf(task.url);
  if (code === "ECONNREFUSED" || code === "ConnectionRefused") return { kind: "connection-refused", reason: `connection refused by ${host}` };
  if (DNS_CODES.has(code)) return { kind: "dns", reason: `cannot resolve host ${host} (${code})` };
  if (TLS_CODE.test(code)) {
    const hint = task.caFile ? ` (ca_file ${task.caFile})` : "; for a private CA, set config.ca_file";
    return { kind: "tls", reason: `TLS certificate of ${host} not accepted: ${message} [${code}]${hint}` };
  }
  if (code === "ECONNRESET") return { kind: "network", reason: `connection to ${host} was closed before a response came back` };
  return { kind: "network", reason: code ? `${message} [${code}]` : message };
}

/** The host part of the url as written (variables unexpanded). */
function hostOf(url: string): string {
  return url.replace(/^https?:\/\//i, "").split(/[/?#]/)[0] ?? url;
}

function firstLine(text: string): string {
  return text.split("\n")[0]?.trim() ?? text;
}
