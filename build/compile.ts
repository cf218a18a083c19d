/** `bun run build`: compiles dist/picoflow for this machine. */
import { $ } from "bun";
import { COMPILE_FLAGS } from "./compile-flags.ts";

const outfile = "dist/picoflow";
const result = await $`bun build ${COMPILE_FLAGS} src/main.ts --outfile ${outfile}`.quiet().nothrow();
if (result.exitCode !== 0) {
  process.stderr.write(result.stderr);
  console.error(`build: bun build failed (exit ${result.exitCode})`);
  process.exit(1);
}
const size = Bun.file(outfile).size;
console.log(`built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MB)`);
