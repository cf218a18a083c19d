/**
 * `bun run build:release [--target x64|arm64]... [--outdir DIR] [--runtime-from-npm] [--xz-level 0-9]`
 *
 * Compiles the CLI for each Linux target, packs each binary as `picoflow` in a tar.gz and a
 * tar.xz (xz -9 by default: about a quarter smaller, for install.sh where `xz` exists), copies
 * install.sh, the systemd unit and the workflow JSON Schema beside them, and writes SHA256SUMS
 * over all of it (install.sh verifies against that file).
 *
 * Cross-compiling needs Bun's runtime for the other architecture. `bun build` downloads it
 * itself (from the npm registry, as @oven/bun-linux-<arch>); where that fails, the same
 * package is fetched with `npm pack` and handed over with --compile-executable-path.
 */
import { $ } from "bun";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import packageJson from "../package.json" with { type: "json" };
import { COMPILE_FLAGS } from "./compile-flags.ts";
import { renderWorkflowJsonSchema, SCHEMA_FILE } from "./json-schema.ts";

const ROOT = resolve(import.meta.dir, "..");
const ENTRY = join(ROOT, "src/main.ts");
const UNIT_FILE = join(ROOT, "systemd/picoflow.service");
const INSTALLER = join(ROOT, "install.sh");
/** Runtimes fetched with npm are kept here between builds (node_modules is never committed). */
const RUNTIME_CACHE = join(ROOT, "node_modules/.cache/picoflow-release");

const TARGETS = {
  // Baseline (x86-64-v2, Nehalem and later), not Bun's default AVX2 build: Celeron, Atom and
  // Pentium J/N boxes, the x86 machines this runs on most, often lack AVX2 and would die
  // with "Illegal instruction" before running a line.
  x64: { bunTarget: "bun-linux-x64-baseline", npmPackage: "@oven/bun-linux-x64-baseline" },
  arm64: { bunTarget: "bun-linux-arm64", npmPackage: "@oven/bun-linux-aarch64" },
} as const;
type Arch = keyof typeof TARGETS;

interface Options {
  arches: Arch[];
  outdir: string;
  runtimeFromNpm: boolean;
  /** xz -9 takes minutes on a shared machine; tests of the installer pass a fast level. */
  xzLevel: number;
}

const DEFAULT_XZ_LEVEL = 9;

function parseOptions(argv: string[]): Options {
  const arches: Arch[] = [];
  let outdir = join(ROOT, "dist");
  let runtimeFromNpm = false;
  let xzLevel = DEFAULT_XZ_LEVEL;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === "--target") {
      const arch = value();
      if (!(arch in TARGETS)) throw new Error(`unknown --target ${arch} (choose ${Object.keys(TARGETS).join(" or ")})`);
      arches.push(arch as Arch);
    } else if (arg === "--outdir") outdir = resolve(value());
    else if (arg === "--runtime-from-npm") runtimeFromNpm = true;
    else if (arg === "--xz-level") {
      const level = value();
      if (!/^[0-9]$/.test(level)) throw new Error(`--xz-level must be 0-9, not ${level}`);
      xzLevel = Number(level);
    }
    else throw new Error(`unknown argument ${arg}`);
  }
  return { arches: arches.length > 0 ? [...new Set(arches)] : (Object.keys(TARGETS) as Arch[]), outdir, runtimeFromNpm, xzLevel };
}

/** Bun's runtime for `arch`, from the npm registry with npm itself (cached). */
async function runtimeFromNpm(arch: Arch): Promise<string> {
  const { npmPackage } = TARGETS[arch];
  const dir = join(RUNTIME_CACHE, `${basename(npmPackage)}-${Bun.version}`);
  const bun = join(dir, "package/bin/bun");
  if (existsSync(bun)) return bun;
  mkdirSync(dir, { recursive: true });
  const packed = await $`npm pack --silent ${`${npmPackage}@${Bun.version}`}`.cwd(dir).nothrow().quiet();
  const tarball = packed.stdout.toString().trim().split("\n").pop();
  if (packed.exitCode !== 0 || !tarball) {
    throw new Error(`npm pack ${npmPackage}@${Bun.version} failed: ${packed.stderr.toString().trim() || "is npm installed?"}`);
  }
  await $`tar -xzf ${tarball} package/bin/bun`.cwd(dir).quiet();
  rmSync(join(dir, tarball));
  chmodSync(bun, 0o755);
  return bun;
}

async function compile(arch: Arch, outfile: string, forceNpm: boolean): Promise<void> {
  const target = `--target=${TARGETS[arch].bunTarget}`;
  const build = (extra: string[]) =>
    $`bun build ${COMPILE_FLAGS} ${target} ${extra} ${ENTRY} --outfile ${outfile}`.cwd(ROOT).nothrow().quiet();
  if (!forceNpm) {
    const direct = await build([]);
    if (direct.exitCode === 0) return;
    console.warn(`bun could not build ${arch} by itself (${direct.stderr.toString().trim().split("\n").pop()}); fetching its runtime with npm`);
  }
  const runtime = await runtimeFromNpm(arch);
  const viaNpm = await build([`--compile-executable-path=${runtime}`]);
  if (viaNpm.exitCode !== 0) throw new Error(`bun build for ${arch} failed:\n${viaNpm.stderr.toString().trim()}`);
}

/**
 * A tar.gz and a tar.xz, each holding one file named `picoflow`, owned by root and dated to
 * the epoch so rebuilds of the same binary match. Default gzip level: -9 saves 0.3% here and
 * takes twice as long. xz runs single-threaded: its output then does not depend on the
 * machine's core count.
 */
async function archive(binary: string, base: string, xzLevel: number): Promise<{ gz: string; xz: string }> {
  const staging = mkdtempSync(join(tmpdir(), "picoflow-release-"));
  const gz = `${base}.tar.gz`;
  const xz = `${base}.tar.xz`;
  try {
    copyFileSync(binary, join(staging, "picoflow"));
    chmodSync(join(staging, "picoflow"), 0o755);
    const tar = join(staging, "picoflow.tar");
    // GNU tar options (release builds run on Linux).
    await $`tar --owner=0 --group=0 --numeric-owner --mtime=@0 -cf ${tar} -C ${staging} picoflow`.quiet();
    await Promise.all([$`gzip -n -c ${tar} > ${gz}`.quiet(), $`xz -${xzLevel} -T1 -c ${tar} > ${xz}`.quiet()]);
    // Read each archive back, as install.sh will unpack it.
    for (const [path, unpack] of [[gz, "gzip"], [xz, "xz"]] as const) {
      const listing = await $`${unpack} -dc ${path} | tar -tf -`.nothrow().quiet();
      if (listing.exitCode !== 0 || listing.stdout.toString().trim() !== "picoflow") throw new Error(`${path} came out broken`);
    }
    return { gz, xz };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

/** The binary for this machine's own architecture must start and report package.json's version. */
async function checkVersion(arch: Arch, binary: string): Promise<void> {
  if (arch !== process.arch) return; // the other one is qemu-smoke.sh's job
  const printed = (await $`${binary} --version`.nothrow().quiet()).stdout.toString().trim();
  if (printed !== `picoflow ${packageJson.version}`) throw new Error(`${binary} --version printed "${printed}", not "picoflow ${packageJson.version}"`);
}

const mb = (path: string) => `${(Bun.file(path).size / 1024 / 1024).toFixed(1)} MB`;

async function release(options: Options): Promise<void> {
  // Ship the schema generated now, so it always matches the binaries; the committed copy is
  // checked by test/release/json-schema.test.ts.
  const schema = renderWorkflowJsonSchema();
  if ((await Bun.file(join(ROOT, SCHEMA_FILE)).text().catch(() => "")) !== schema) {
    console.warn(`warning: ${SCHEMA_FILE} is out of date with src/workflow/schema.ts; run \`bun run schema\` and commit it`);
  }
  mkdirSync(options.outdir, { recursive: true });
  const shipped: string[] = [];

  if (!Bun.which("xz")) throw new Error("xz is needed for the .tar.xz archives (apt-get install xz-utils)");
  // The targets build side by side: most of the time is xz, one core each.
  const built = await Promise.all(
    options.arches.map(async (arch) => {
      const started = performance.now();
      const binary = join(options.outdir, `picoflow-linux-${arch}`);
      await compile(arch, binary, options.runtimeFromNpm);
      await checkVersion(arch, binary);
      const { gz, xz } = await archive(binary, binary, options.xzLevel);
      const sizes = `${basename(gz)} ${mb(gz)}, ${basename(xz)} ${mb(xz)}`;
      console.log(`${basename(binary)} ${mb(binary)}, ${sizes} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      return [binary, gz, xz];
    }),
  );
  shipped.push(...built.flat());

  const installer = join(options.outdir, "install.sh");
  copyFileSync(INSTALLER, installer);
  chmodSync(installer, 0o755);
  await Bun.write(join(options.outdir, "picoflow-workflow.schema.json"), schema);
  shipped.push(installer, join(options.outdir, "picoflow-workflow.schema.json"));
  if (existsSync(UNIT_FILE)) {
    copyFileSync(UNIT_FILE, join(options.outdir, "picoflow.service"));
    shipped.push(join(options.outdir, "picoflow.service"));
  } else {
    // install.sh --systemd then stops with a clear message; the binaries are still good.
    console.warn("warning: systemd/picoflow.service is missing; this release cannot set up the service");
  }

  const lines = await Promise.all(shipped.sort().map(async (path) => `${await sha256(path)}  ${basename(path)}\n`));
  await Bun.write(join(options.outdir, "SHA256SUMS"), lines.join(""));
  console.log(`picoflow ${packageJson.version}: ${shipped.length} files and SHA256SUMS in ${options.outdir}`);
}

if (import.meta.main) {
  try {
    await release(parseOptions(process.argv.slice(2)));
  } catch (error) {
    console.error(`build:release: ${(error as Error).message}`);
    process.exit(1);
  }
}
