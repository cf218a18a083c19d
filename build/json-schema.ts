/**
 * `bun run schema`: writes schema/picoflow-workflow.schema.json from the valibot schema in
 * src/workflow/schema.ts, so editors (e.g. the YAML language server) check workflow files
 * against the same rules `picoflow validate` applies. `--check` fails when the committed
 * file is stale instead of writing it.
 *
 * Build-time only: nothing under src/ imports this file or @valibot/to-json-schema.
 */
import { type ConversionConfig, type JsonSchema, toJsonSchema } from "@valibot/to-json-schema";
import { HTTP_METHODS } from "../src/workflow/model.ts";
import { httpConfigSchema, shellConfigSchema, sshConfigSchema, taskSchema, workflowConfigSchema, workflowSchema } from "../src/workflow/schema.ts";

export const SCHEMA_FILE = "schema/picoflow-workflow.schema.json";
const SCHEMA_ID = "https://github.com/zoza1982/picoflow/raw/main/schema/picoflow-workflow.schema.json";

/**
 * valibot `check` actions are opaque functions; each one the workflow schema uses is
 * translated here by its message. An unknown check makes the build fail (errorMode
 * "throw") rather than silently yield a looser JSON Schema.
 */
const CHECK_PATTERNS: Record<string, string> = {
  // The same test as httpUrl in schema.ts (/^https?:\/\/[^/\s]+/i); JSON Schema patterns have no flags.
  "must be a full http:// or https:// URL": `^${caseInsensitive("http")}[Ss]?://[^/\\s]+`,
  // The same test as withoutNul in schema.ts: exec cannot pass a NUL.
  "must not contain a NUL character (\\0)": "^[^\\u0000]*$",
};
/** Checks no pattern can say (a URL parser's verdict): editors skip them, `picoflow validate` does not. */
const CHECKS_LEFT_TO_VALIDATE = new Set(["must be a valid URL"]);

/** `get` -> `[Gg][Ee][Tt]`: JSON Schema patterns have no `i` flag. */
function caseInsensitive(word: string): string {
  return [...word].map((c) => (c.toLowerCase() === c.toUpperCase() ? c : `[${c.toUpperCase()}${c.toLowerCase()}]`)).join("");
}

// The method is upper-cased before the picklist, so users may write `get`; the input schema
// (typeMode "input" stops at the transform) only says "string", so the choices are restored here.
const METHOD_PATTERN = `^(${HTTP_METHODS.map(caseInsensitive).join("|")})$`;
const methodField = httpConfigSchema.entries.method;

const conversion: ConversionConfig = {
  target: "draft-07",
  // Describe what a user writes (before transforms), not what load.ts hands the engine.
  typeMode: "input",
  errorMode: "throw",
  definitions: {
    workflowConfig: workflowConfigSchema,
    task: taskSchema,
    shellTask: taskSchema.options[0],
    httpTask: taskSchema.options[1],
    sshTask: taskSchema.options[2],
    shellConfig: shellConfigSchema,
    httpConfig: httpConfigSchema,
    sshConfig: sshConfigSchema,
  },
  overrideAction: ({ valibotAction, jsonSchema }) => {
    if (valibotAction.type !== "check") return undefined;
    const message = String((valibotAction as { message?: unknown }).message);
    if (CHECKS_LEFT_TO_VALIDATE.has(message)) return jsonSchema;
    const pattern = CHECK_PATTERNS[message];
    if (!pattern) throw new Error(`json-schema: no translation for the check "${message}"; add one to CHECK_PATTERNS`);
    return { ...jsonSchema, pattern };
  },
  overrideSchema: ({ valibotSchema, jsonSchema }) => {
    if (valibotSchema !== methodField) return undefined;
    return { type: "string", pattern: METHOD_PATTERN, description: `One of ${HTTP_METHODS.join(", ")} (any case)` };
  },
};

/** The JSON Schema document, as it is committed and shipped. */
export function buildWorkflowJsonSchema(): JsonSchema {
  if (!methodField) throw new Error("json-schema: httpConfigSchema has no `method` entry; update build/json-schema.ts");
  const converted = toJsonSchema(workflowSchema, conversion);
  const { $schema, ...rest } = converted;
  // Key order: the header first, so the file reads well and diffs stay small.
  return {
    $schema,
    $id: SCHEMA_ID,
    title: "PicoFlow workflow",
    description: "A PicoFlow workflow file: a named DAG of shell, ssh and http tasks. Generated from src/workflow/schema.ts by `bun run schema`; do not edit.",
    ...rest,
  };
}

export function renderWorkflowJsonSchema(): string {
  return `${JSON.stringify(buildWorkflowJsonSchema(), null, 2)}\n`;
}

if (import.meta.main) {
  const text = renderWorkflowJsonSchema();
  const current = await Bun.file(SCHEMA_FILE).text().catch(() => "");
  if (process.argv.includes("--check")) {
    if (current !== text) {
      console.error(`${SCHEMA_FILE} is out of date with src/workflow/schema.ts: run \`bun run schema\``);
      process.exit(1);
    }
    console.log(`${SCHEMA_FILE} is up to date`);
  } else {
    await Bun.write(SCHEMA_FILE, text);
    console.log(`wrote ${SCHEMA_FILE} (${text.length} bytes)`);
  }
}
