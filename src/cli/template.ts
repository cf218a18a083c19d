/** `picoflow template [--type T] [--output FILE]`: a commented starting workflow. */
import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import { EXIT_OK, UsageError } from "../errors.ts";
import { NAME_PATTERN } from "../workflow/schema.ts";
// Text imports are embedded in the compiled binary; the templates stay real YAML files
// that the tests validate like any workflow.
import full from "./templates/full.yaml" with { type: "text" };
import http from "./templates/http.yaml" with { type: "text" };
import minimal from "./templates/minimal.yaml" with { type: "text" };
import shell from "./templates/shell.yaml" with { type: "text" };
import ssh from "./templates/ssh.yaml" with { type: "text" };

export const TEMPLATE_TYPES = ["minimal", "shell", "ssh", "http", "full"] as const;
export type TemplateType = (typeof TEMPLATE_TYPES)[number];
export const DEFAULT_TEMPLATE_TYPE: TemplateType = "minimal";

const TEMPLATES: Record<TemplateType, string> = { minimal, shell, ssh, http, full };
/** Every template names its workflow this; `--output backup.yaml` renames it `backup`. */
const PLACEHOLDER_NAME = "my-workflow";

export interface TemplateOptions {
  type: string | undefined;
  output: string | undefined;
}

function isTemplateType(type: string): type is TemplateType {
  return (TEMPLATE_TYPES as readonly string[]).includes(type);
}

/** The template text; with a file name, the workflow is named after the file when that is a valid name. */
export function renderTemplate(type: TemplateType, file?: string): string {
  const text = TEMPLATES[type];
  const name = file === undefined ? undefined : basename(file).replace(/\.ya?ml$/i, "");
  if (!name || !NAME_PATTERN.test(name)) return text;
  return text.replaceAll(PLACEHOLDER_NAME, name);
}

export async function templateCommand({ type = DEFAULT_TEMPLATE_TYPE, output }: TemplateOptions): Promise<number> {
  if (type === "") throw new UsageError(`--type needs a value: ${TEMPLATE_TYPES.join(", ")}`);
  if (!isTemplateType(type)) {
    throw new UsageError(`unknown template type '${type}' (choose one of ${TEMPLATE_TYPES.join(", ")})`);
  }
  if (output === undefined) {
    process.stdout.write(renderTemplate(type));
    return EXIT_OK;
  }
  try {
    // "wx": create only, so an existing file is never clobbered, even by a race.
    writeFileSync(output, renderTemplate(type, output), { flag: "wx" });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new UsageError(`${output} already exists; not overwriting it (remove it or choose another --output)`, { cause: error });
    const reason = code === "ENOENT" ? "its folder does not exist" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new UsageError(`cannot write ${output}: ${reason}`, { cause: error });
  }
  process.stdout.write(`Wrote the ${type} template to ${output}; check it with: picoflow validate ${output}\n`);
  return EXIT_OK;
}
