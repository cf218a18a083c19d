/**
 * The daemon's workflows: every file named on the command line, folders expanded to the
 * *.yaml / *.yml files in them, and glob patterns expanded (systemd's ExecStart passes
 * `workflows/*.yaml` through unexpanded, as no shell is involved). Paths are expanded again on
 * SIGHUP, so a file dropped into the folder is picked up. All files are checked before any is
 * used; one problem rejects the whole set.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve, sep } from "node:path";
import type { WorkflowDefaults } from "../config/settings.ts";
import { EXIT_USAGE, PicoflowError, type WorkflowIssue } from "../errors.ts";
import { loadWorkflowFile } from "../workflow/load.ts";
import type { Workflow } from "../workflow/model.ts";

const WORKFLOW_EXTENSIONS = [".yaml", ".yml"];

/** Every problem in the set, one line each (file:line:col where known). */
export class WorkflowSetError extends PicoflowError {
  readonly exitCode = EXIT_USAGE;
  constructor(readonly problems: string[]) {
    super(problems[0] ?? "invalid workflow files");
  }
  override lines(): string[] {
    return this.problems;
  }
}

export interface WorkflowSet {
  workflows: Workflow[];
  warnings: { file: string; issue: WorkflowIssue }[];
}

const GLOB_CHARACTERS = /[*?[{]/;

/** A pattern's matching files, sorted: the glob runs from its last folder without wildcards. */
function expandGlob(pattern: string): string[] {
  const parts = resolve(pattern).split(sep);
  const firstWild = parts.findIndex((part) => GLOB_CHARACTERS.test(part));
  const base = parts.slice(0, firstWild).join(sep) || sep;
  const rest = parts.slice(firstWild).join("/");
  if (!existsSync(base)) return [];
  return [...new Bun.Glob(rest).scanSync({ cwd: base, absolute: true, onlyFiles: true })].sort();
}

/** The files behind the arguments: files as given, folders expanded (sorted, not recursive), patterns globbed. */
export function expandWorkflowPaths(paths: readonly string[]): { files: string[]; problems: string[] } {
  const files: string[] = [];
  const problems: string[] = [];
  for (const path of paths) {
    const absolute = resolve(path);
    if (!existsSync(absolute) && GLOB_CHARACTERS.test(path)) {
      const matches = expandGlob(isAbsolute(path) ? path : absolute);
      if (matches.length === 0) problems.push(`error: no workflow files match ${path}`);
      files.push(...matches);
      continue;
    }
    let isDirectory = false;
    try {
      isDirectory = statSync(absolute).isDirectory();
    } catch {
      problems.push(`error: cannot read workflow file ${path}: no such file or folder`);
      continue;
    }
    if (!isDirectory) {
      files.push(absolute);
      continue;
    }
    const found = readdirSync(absolute)
      .filter((name) => WORKFLOW_EXTENSIONS.some((ext) => name.endsWith(ext)))
      .sort()
      .map((name) => join(absolute, name));
    if (found.length === 0) problems.push(`error: no workflow files (*.yaml, *.yml) in folder ${path}`);
    files.push(...found);
  }
  return { files: [...new Set(files)], problems };
}

/** Loads and validates every workflow; throws WorkflowSetError naming every problem in every file. */
export function loadWorkflowSet(paths: readonly string[], defaults: WorkflowDefaults): WorkflowSet {
  const { files, problems } = expandWorkflowPaths(paths);
  const workflows: Workflow[] = [];
  const warnings: WorkflowSet["warnings"] = [];
  const fileOf = new Map<string, string>();
  for (const file of files) {
    try {
      const loaded = loadWorkflowFile(file, defaults);
      const earlier = fileOf.get(loaded.workflow.name);
      if (earlier) {
        problems.push(`error: ${file}: workflow name '${loaded.workflow.name}' is already used by ${earlier}`);
        continue;
      }
      fileOf.set(loaded.workflow.name, file);
      workflows.push(loaded.workflow);
      warnings.push(...loaded.warnings.map((issue) => ({ file, issue })));
    } catch (error) {
      if (error instanceof PicoflowError) problems.push(...error.lines().map((line) => (line.startsWith("error:") ? line : `error: ${line}`)));
      else throw error;
    }
  }
  if (problems.length > 0) throw new WorkflowSetError(problems);
  return { workflows, warnings };
}
