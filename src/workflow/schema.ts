/**
 * The workflow file's shape, as valibot schemas. This is the one description of the
 * format: load.ts validates with it and the JSON Schema for editors is generated from it.
 */
import * as v from "valibot";
import { MAX_DURATION_SECONDS } from "../util/duration.ts";
import { durationSchema } from "./duration.ts";
import { CATCHUP_MODES, HTTP_METHODS } from "./model.ts";
import { REFERENCE } from "./references.ts";

export const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;
const NAME_RULE = 'must contain only letters, digits, "-" and "_"';
/** Names become file and folder names (logs/<workflow>/.../<task>.log): 64 always fits, as in the original tool. */
export const MAX_NAME_LENGTH = 64;

const name = v.pipe(
  v.string(),
  v.nonEmpty("must not be empty"),
  v.maxLength(MAX_NAME_LENGTH, `must be at most ${MAX_NAME_LENGTH} characters (it becomes a file name)`),
  v.regex(NAME_PATTERN, NAME_RULE),
);
const nonEmptyString = v.pipe(v.string(), v.nonEmpty("must not be empty"));
const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.number(),
    v.integer("must be a whole number"),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );
/** Seconds something waits for: a timer cannot hold more than MAX_DURATION_SECONDS. */
const seconds = () => wholeNumber(1, MAX_DURATION_SECONDS);
/** YAML reads `30` as a number; arguments and env values are text either way. */
const textLike = v.pipe(
  v.union([v.string(), v.number(), v.boolean()], "must be a string"),
  v.transform((value) => String(value)),
);

/** A NUL cannot be passed to exec (C strings end there): said at validate time, not by the spawn. */
const NO_NUL = "must not contain a NUL character (\\0)";
const withoutNul = v.regex(/^[^\u0000]*$/, NO_NUL);
const processText = v.pipe(nonEmptyString, withoutNul);
const processArg = v.pipe(textLike, withoutNul);
const envName = v.pipe(v.string(), v.regex(/^[^=\u0000]+$/, 'must be a name without "=" or NUL'));

export const shellConfigSchema = v.strictObject({
  command: processText,
  args: v.optional(v.array(processArg)),
  working_dir: v.optional(processText),
  env: v.optional(v.record(envName, processArg)),
});

/** The url field's rules, all here: `${VAR}` stands for text known only at run time, so a stand-in lets its shape be checked now. */
const FULL_HTTP_URL = /^https?:\/\/[^/\s]+/i;
const httpUrl = v.pipe(
  nonEmptyString,
  v.check((url) => FULL_HTTP_URL.test(url), "must be a full http:// or https:// URL"),
  // Said only of a URL that has the right start, so one mistake gives one message.
  v.check((url) => !FULL_HTTP_URL.test(url) || URL.canParse(url.replace(REFERENCE, "x")), "must be a valid URL"),
);
const httpMethod = v.pipe(
  v.string(),
  v.transform((method) => method.toUpperCase()),
  v.picklist(HTTP_METHODS, `must be one of ${HTTP_METHODS.join(", ")}`),
);

export const httpConfigSchema = v.strictObject({
  url: httpUrl,
  method: v.optional(httpMethod),
  headers: v.optional(v.record(v.string(), textLike)),
  body: v.optional(v.unknown()),
  timeout: v.optional(seconds()),
  expected_status: v.optional(v.pipe(v.array(wholeNumber(100, 599)), v.minLength(1, "must list at least one status"))),
  ca_file: v.optional(nonEmptyString),
});

export const sshConfigSchema = v.strictObject({
  host: v.pipe(nonEmptyString, v.regex(/^[^\s@/]+$/, "must be a host name or address, without spaces, '@' or '/'")),
  port: v.optional(wholeNumber(1, 65535)),
  user: v.pipe(nonEmptyString, v.regex(/^[^\s@]+$/, "must not contain spaces or '@'")),
  command: nonEmptyString,
  key_path: v.optional(nonEmptyString),
  timeout: v.optional(seconds()),
});

const notNegative = v.pipe(v.number(), v.minValue(0, "must not be negative"));

/** Resource gates: a task starts only while every one of them holds. */
export const gatesSchema = v.strictObject({
  min_free_memory_mb: v.optional(notNegative),
  max_temperature_c: v.optional(v.number()),
  max_load: v.optional(notNegative),
  min_free_disk_mb: v.optional(notNegative),
  disk_path: v.optional(nonEmptyString),
  not_throttled: v.optional(v.boolean()),
});

const gateTimeout = durationSchema(1, MAX_DURATION_SECONDS);

const taskCommon = {
  name,
  depends_on: v.optional(v.array(v.string())),
  retry: v.optional(wholeNumber(0)),
  timeout: v.optional(seconds()),
  continue_on_failure: v.optional(v.boolean()),
  gates: v.optional(gatesSchema),
  gate_timeout: v.optional(gateTimeout),
  output: v.optional(v.boolean()),
};

export const taskSchema = v.variant(
  "type",
  [
    v.strictObject({ ...taskCommon, type: v.literal("shell"), config: shellConfigSchema }),
    v.strictObject({ ...taskCommon, type: v.literal("http"), config: httpConfigSchema }),
    v.strictObject({ ...taskCommon, type: v.literal("ssh"), config: sshConfigSchema }),
  ],
  'must be one of "shell", "ssh", "http"',
);

export const workflowConfigSchema = v.strictObject({
  max_parallel: v.optional(wholeNumber(1)),
  retry_default: v.optional(wholeNumber(0)),
  timeout_default: v.optional(seconds()),
  gates: v.optional(gatesSchema),
  gate_timeout: v.optional(gateTimeout),
});

export const workflowSchema = v.strictObject({
  name,
  description: v.optional(v.string()),
  schedule: v.optional(nonEmptyString),
  timezone: v.optional(nonEmptyString),
  catchup: v.optional(v.picklist(CATCHUP_MODES, `must be one of ${CATCHUP_MODES.join(", ")}`)),
  catchup_window: v.optional(durationSchema(1)),
  config: v.optional(workflowConfigSchema),
  tasks: v.pipe(v.array(taskSchema), v.minLength(1, "must list at least one task")),
  on_failure: v.optional(v.array(taskSchema)),
  on_success: v.optional(v.array(taskSchema)),
  on_exit: v.optional(v.array(taskSchema)),
});

export type RawWorkflow = v.InferOutput<typeof workflowSchema>;
export type RawTask = v.InferOutput<typeof taskSchema>;
export type RawGates = v.InferOutput<typeof gatesSchema>;
