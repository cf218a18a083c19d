/**
 * `${VAR}` substitution for HTTP tasks. `$${VAR}` stays the literal text `${VAR}`. An unset
 * variable is an error naming it, never an empty string. Every substituted value counts as a
 * secret: `redact` and `RedactingWriter` put the `${VAR}` form back wherever one shows up in
 * text PicoFlow records (error messages, the response body), so none reaches logs or history.
 */

import { derivedForms, userinfoForms } from "./secret-forms.ts";
import { classifyReference, REFERENCE } from "../workflow/references.ts";
import { MissingValueError, NO_VALUES, type TaskValues, valueOf } from "./values.ts";

/** Thrown by `Substitution.text` for an unset variable; `where` names the field (url, headers.Authorization ...). */
export class MissingVariableError extends Error {
  constructor(
    readonly variable: string,
    readonly where: string,
  ) {
    super(`environment variable ${variable} is not set (used in ${where})`);
  }
}

/** One task attempt's substitutions: applies them and remembers the values it must hide. */
export class Substitution {
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #values: TaskValues;
  /** value -> the `${NAME}` it came from, longest values first when redacting. */
  readonly #secrets = new Map<string, string>();

  constructor(env: Readonly<Record<string, string | undefined>>, values: TaskValues = NO_VALUES) {
    this.#env = env;
    this.#values = values;
  }

  /**
   * Substitutes every `${VAR}` in `template` in one pass (so a value is never substituted
   * into again); throws MissingVariableError for an unset one, MissingValueError for an
   * output or run value that does not exist. Outputs and run values are not secrets.
   */
  text(template: string, where: string): string {
    return template.replace(REFERENCE, (_match, escaped: string, name: string) => {
      if (escaped) return `\${${name}}`;
      const reference = classifyReference(name);
      if (reference.kind === "output" || reference.kind === "run") return valueOf(name, reference, this.#values, where);
      if (reference.kind === "invalid") throw new MissingValueError(reference.problem, where);
      const value = this.#env[name];
      if (value === undefined) throw new MissingVariableError(name, where);
      if (value !== "") this.#hide(value, `\${${name}}`);
      return value;
    });
  }

  /** A secret and every form PicoFlow derives from it (percent-encoded, JSON-escaped) are redacted. */
  #hide(value: string, reference: string): void {
    this.#secrets.set(value, reference);
    for (const form of derivedForms(value)) if (!this.#secrets.has(form)) this.#secrets.set(form, reference);
  }

  /**
   * The url carried a secret in its userinfo: what fetch derives from it (the Basic
   * credentials, the parser's encoding) is as secret as the value.
   */
  hideUserinfo(url: string): void {
    const found = this.#secrets.size === 0 ? undefined : userinfoForms(url);
    if (!found) return;
    const secret = [...this.#secrets.keys()].find((value) => found.userinfo.includes(value));
    if (secret === undefined) return;
    const reference = this.#secrets.get(secret) as string;
    for (const form of found.forms) if (!this.#secrets.has(form)) this.#secrets.set(form, reference);
  }

  /** Substitutes in every string inside a JSON-like value (object keys are left alone). */
  deep(value: unknown, where: string): unknown {
    if (typeof value === "string") return this.text(value, where);
    if (Array.isArray(value)) return value.map((item, index) => this.deep(item, `${where}[${index}]`));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.deep(item, `${where}.${key}`)]));
    }
    return value;
  }

  get hasSecrets(): boolean {
    return this.#secrets.size > 0;
  }

  /** The longest secret's length: how much text a streaming redactor must hold back. */
  get longestSecret(): number {
    let longest = 0;
    for (const value of this.#secrets.keys()) longest = Math.max(longest, value.length);
    return longest;
  }

  /** `text` with every substituted value replaced by its `${NAME}`. */
  redact(text: string): string {
    let result = text;
    // Longest first, so a secret that contains another is hidden whole.
    const values = [...this.#secrets.keys()].sort((a, b) => b.length - a.length);
    for (const value of values) result = result.replaceAll(value, this.#secrets.get(value) as string);
    return result;
  }
}

/**
 * Redacts a stream of text chunks. A secret may straddle two chunks, so the last
 * `longestSecret - 1` characters wait for the next chunk (or `end`) before they go out.
 */
export class RedactingWriter {
  readonly #substitution: Substitution;
  readonly #emit: (text: string) => void;
  readonly #holdBack: number;
  readonly #decoder = new TextDecoder();
  #pending = "";

  constructor(substitution: Substitution, emit: (text: string) => void) {
    this.#substitution = substitution;
    this.#emit = emit;
    this.#holdBack = Math.max(0, substitution.longestSecret - 1);
  }

  write(chunk: Uint8Array): void {
    const text = this.#substitution.redact(this.#pending + this.#decoder.decode(chunk, { stream: true }));
    // Redacting first means a complete secret inside the held-back end is already hidden.
    const cut = Math.max(0, text.length - this.#holdBack);
    if (cut > 0) this.#emit(text.slice(0, cut));
    this.#pending = text.slice(cut);
  }

  end(): void {
    const rest = this.#substitution.redact(this.#pending + this.#decoder.decode());
    this.#pending = "";
    if (rest) this.#emit(rest);
  }
}
