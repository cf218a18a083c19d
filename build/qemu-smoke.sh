#!/usr/bin/env bash
# Smoke test of the arm64 release binary on an x86_64 machine, under qemu user emulation
# (Debian: qemu-user, libc6-arm64-cross). Run after `bun run build:release`:
#   bash build/qemu-smoke.sh [BINARY]        (default dist/picoflow-linux-arm64)
# Proves the binary a Pi would download starts, validates and runs the Quick Start workflows
# and writes its SQLite history. Exits non-zero with a message on the first failure.
set -uo pipefail
cd "$(dirname "$0")/.."

BINARY=${1:-dist/picoflow-linux-arm64}
SYSROOT=/usr/aarch64-linux-gnu
EXAMPLES=(examples/hello-world.yaml examples/parallel-example.yaml)

fail() {
  echo "qemu-smoke: FAILED: $*" >&2
  exit 1
}
started=$(date +%s)
command -v qemu-aarch64 >/dev/null || fail "qemu-aarch64 not found (apt-get install qemu-user)"
[ -d "$SYSROOT" ] || fail "$SYSROOT not found (apt-get install libc6-arm64-cross)"
command -v sqlite3 >/dev/null || fail "sqlite3 not found (apt-get install sqlite3)"
command -v bun >/dev/null || fail "bun not found (the notify check stands in for systemd with it)"
[ -x "$BINARY" ] || fail "$BINARY is missing or not executable (run: bun run build:release)"
for example in "${EXAMPLES[@]}"; do [ -f "$example" ] || fail "$example is missing"; done
# ELF e_machine 0xb7 = AArch64: make sure it is really the arm64 build under test.
[ "$(od -An -tx1 -j18 -N2 "$BINARY" | tr -d ' \n')" = b700 ] || fail "$BINARY is not an AArch64 executable"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/picoflow.db"
out="$work/out"

# pf ARGS...: the arm64 binary under qemu, in the scratch folder; output kept in $out.
pf() {
  (cd "$work" && PICOFLOW_LOG_FORMAT=json qemu-aarch64 -L "$SYSROOT" "$OLDPWD/$BINARY" "$@") >"$out" 2>&1
}
check() {
  local what=$1
  shift
  if ! "$@"; then
    echo "--- output of the failed step:" >&2
    cat "$out" >&2
    fail "$what"
  fi
  echo "ok: $what"
}
sql() { sqlite3 -batch -noheader "$db" "$1"; }

version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' package.json | head -n 1)
check "--version prints picoflow $version" pf --version
check "--version output" grep -qx "picoflow $version" "$out"
sed 's/^/    /' "$out"

for example in "${EXAMPLES[@]}"; do
  name=$(basename "$example" .yaml)
  check "validate $example" pf validate "$OLDPWD/$example"
  check "validate says '$name' is valid" grep -q "Workflow '$name' is valid" "$out"
  tasks=$(sed -n 's/^Tasks: \([0-9]*\)$/\1/p' "$out")
  check "run $example" pf run --db-path "$db" "$OLDPWD/$example"
  check "run reports success" grep -q "completed successfully" "$out"
  grep -v '^{' "$out" | sed 's/^/    /' # the progress lines, minus JSON logs, for the CI log
  check "history: one successful execution of $name" \
    test "$(sql "SELECT COUNT(*) FROM workflow_executions WHERE workflow_name = '$name' AND status = 'Success' AND finished_at IS NOT NULL;")" = 1
  check "history: all $tasks tasks of $name succeeded" \
    test "$(sql "SELECT COUNT(*) FROM task_executions t JOIN workflow_executions w ON w.id = t.workflow_execution_id WHERE w.workflow_name = '$name' AND t.status = 'Success';")" = "$tasks"
done
check "history: say_hello's output was captured" \
  test "$(sql "SELECT COUNT(*) FROM task_executions WHERE task_name = 'say_hello' AND stdout LIKE '%Hello from PicoFlow!%';")" = 1

# The templates are text imports embedded in the binary; one round trip shows they made it.
check "template --type full" pf template --type full --output "$work/full.yaml"
check "the full template validates" pf validate "$work/full.yaml"

# systemd notify goes through bun:ffi into the arm64 libc: READY, WATCHDOG and STOPPING must arrive.
check "the daemon notifies systemd through NOTIFY_SOCKET" bun build/qemu-notify-smoke.ts "$BINARY"

# The daemon: its idle page release calls madvise through bun:ffi, and its JIT settings
# replace the process through execve (without binfmt_misc, qemu-user cannot execve an arm64
# binary: the daemon must then say so and carry on). qemu's own memory says nothing about a
# Pi's, so only the function is checked: the FFI call ran and reported released pages.
mkdir "$work/daemon"
cat >"$work/daemon/hourly.yaml" <<'YAML'
name: hourly
schedule: "0 0 * * * *"
tasks:
  - name: work
    type: shell
    config:
      command: /bin/true
YAML
(cd "$work" && PICOFLOW_LOG_FORMAT=json PICOFLOW_METRICS_PORT=0 exec qemu-aarch64 -L "$SYSROOT" "$OLDPWD/$BINARY" \
  --db-path "$work/daemon.db" --log-level debug daemon start --foreground "$work/daemon") >"$work/daemon.log" 2>&1 &
daemon_pid=$!
released=
for _ in $(seq 1 120); do
  if grep -q '"msg":"released idle memory"' "$work/daemon.log"; then released=yes; break; fi
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.5
done
kill -TERM "$daemon_pid" 2>/dev/null
wait "$daemon_pid"
daemon_exit=$?
cp "$work/daemon.log" "$out"
check "daemon: the idle page release ran (bun:ffi madvise)" test -n "$released"
check "daemon: released pages reported" grep -Eq '"msg":"released idle memory"' "$out"
check "daemon: released_kb > 0" grep -Eq '"released_kb":[1-9][0-9]*' "$out"
if ls /proc/sys/fs/binfmt_misc/ 2>/dev/null | grep -q aarch64; then
  check "daemon: re-executed itself with the JIT settings" sh -c "! grep -q 'default JIT settings' '$out'"
else
  check "daemon: could not re-execute under qemu (no binfmt_misc), said so and ran on" grep -q '"reason":"execve failed"' "$out"
fi
check "daemon: stopped cleanly on SIGTERM (exit 0)" test "$daemon_exit" = 0
grep -o '"msg":"[^"]*"' "$out" | sort | uniq -c | sed 's/^/    /'

echo "qemu-smoke: arm64 binary passed ($(($(date +%s) - started)) s)"
