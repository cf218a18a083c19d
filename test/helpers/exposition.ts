/**
 * A small parser for the Prometheus text exposition format (0.0.4), strict enough to catch
 * what a real scraper would reject: samples before their TYPE, samples of undeclared
 * families, malformed lines, bad label syntax.
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  /** The sample's own name, e.g. picoflow_task_duration_seconds_bucket. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string | undefined;
  type: MetricType;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?$/;
const LABEL_PAIR = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const TYPES: readonly string[] = ["counter", "gauge", "histogram", "summary", "untyped"];
const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"];

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  text.split("\n").forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.trim() === "") return;
    if (line.startsWith("# HELP ")) {
      const [, name = "", help = ""] = /^# HELP (\S+) ?(.*)$/.exec(line) ?? fail("bad HELP");
      if (!METRIC_NAME.test(name)) fail("bad metric name");
      helps.set(name, unescape(help, false));
      return;
    }
    if (line.startsWith("# TYPE ")) {
      const [, name = "", type = ""] = /^# TYPE (\S+) (\S+)$/.exec(line) ?? fail("bad TYPE");
      if (!TYPES.includes(type)) fail(`unknown type ${type}`);
      if (families.has(name)) fail("second TYPE for one family");
      families.set(name, { name, help: helps.get(name), type: type as MetricType, samples: [] });
      return;
    }
    if (line.startsWith("#")) return;
    const [, name = "", labelText, valueText = ""] = SAMPLE_LINE.exec(line) ?? fail("bad sample");
    const family = familyOf(families, name) ?? fail("sample without a TYPE before it");
    const value = parseValue(valueText) ?? fail("bad value");
    family.samples.push({ name, labels: labelText === undefined ? {} : parseLabels(labelText, fail), value });
  });
  return families;
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  const exact = families.get(sampleName);
  if (exact) return exact;
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family && (family.type === "histogram" || family.type === "summary")) return family;
  }
  return undefined;
}

function parseLabels(text: string, fail: (why: string) => never): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL_PAIR.lastIndex = 0;
  while (LABEL_PAIR.lastIndex < text.length) {
    const match = LABEL_PAIR.exec(text) ?? fail("bad labels");
    const [, key = "", value = ""] = match;
    if (key in labels) fail(`label ${key} twice`);
    labels[key] = unescape(value, true);
  }
  return labels;
}

function parseValue(text: string): number | undefined {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  const value = Number(text);
  return text !== "" && !Number.isNaN(value) ? value : undefined;
}

/** HELP text escapes \\ and \n; label values also escape \". */
function unescape(text: string, quotes: boolean): string {
  return text.replace(quotes ? /\\([\\n"])/g : /\\([\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
}

/** The samples of `sampleName` whose labels include all of `labels`. */
export function samplesOf(families: Map<string, Family>, sampleName: string, labels: Record<string, string> = {}): Sample[] {
  const family = familyOf(families, sampleName);
  if (!family) return [];
  return family.samples.filter(
    (sample) => sample.name === sampleName && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** The value of the one sample matching exactly; throws when there is none or several. */
export function valueOf(families: Map<string, Family>, sampleName: string, labels: Record<string, string> = {}): number {
  const matches = samplesOf(families, sampleName, labels).filter(
    (sample) => Object.keys(sample.labels).length === Object.keys(labels).length,
  );
  if (matches.length !== 1) {
    throw new Error(`expected one sample ${sampleName}${JSON.stringify(labels)}, found ${matches.length}`);
  }
  return (matches[0] as Sample).value;
}
