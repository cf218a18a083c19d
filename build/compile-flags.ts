/** The `bun build` flags of every picoflow binary, for this machine (`bun run build`) and for releases. */
export const COMPILE_FLAGS = [
  "--compile",
  "--minify",
  "--sourcemap=none",
  // Ship precompiled bytecode: start-up skips parsing the bundle (a `--version` went from
  // ~43 to ~16 ms, a one-task run from ~73 to ~28 ms; bench/README.md). Bytecode needs the
  // ESM output format for the CLI's top-level await.
  "--bytecode",
  "--format=esm",
  // The daemon trusts no clock earlier than its own build (src/system/clock-sync.ts).
  // SOURCE_DATE_EPOCH, when set, keeps release builds reproducible.
  "--define",
  `PICOFLOW_BUILD_DATE=${JSON.stringify(buildDate())}`,
];

function buildDate(): string {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  return (Number.isFinite(epoch) && epoch > 0 ? new Date(epoch * 1000) : new Date()).toISOString();
}
