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
];
