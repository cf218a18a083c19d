/** `bun run build`: compiles dist/picoflow for this machine. */
import { $ } from "bun";

const outfile = "dist/picoflow";
await $`bun build --compile --minify --sourcemap=none src/main.ts --outfile ${outfile}`.quiet();
const size = Bun.file(outfile).size;
console.log(`built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MB)`);
