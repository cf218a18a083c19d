#!/bin/sh
# PicoFlow installer (POSIX sh; runs under dash, busybox sh and bash).
#
#   curl -fsSL http://build-host:8000/install.sh | PICOFLOW_DOWNLOAD_URL=http://build-host:8000 sh
#   curl -fsSL .../install.sh | sudo PICOFLOW_DOWNLOAD_URL=... sh -s -- --systemd   # also the service
#
# The release folder is one you build (`bun run build:release` writes dist/) and serve: the
# GitHub address below is only a default and does not serve this project's files.
#
# Options:
#   --systemd        create the picoflow user, /var/lib/picoflow, /etc/picoflow/workflows,
#                    install picoflow.service and enable it (needs root)
#   --version VER    install release VER (e.g. v0.1.0) instead of the latest
#   -h, --help       show this help
# Environment:
#   INSTALL_DIR            where the binary goes (default /usr/local/bin)
#   PICOFLOW_VERSION       same as --version
#   PICOFLOW_DOWNLOAD_URL  folder holding the release files (binaries, SHA256SUMS, ...);
#                          overrides the GitHub release URL, e.g. for a mirror
#   DESTDIR                put the --systemd files (/etc, /var/lib, the unit) under this folder
#                          instead of /, for packaging
#
# Every download is checked against the release's SHA256SUMS before anything is installed.
# The binary comes as .tar.xz when xz is installed (smaller), else as .tar.gz.
# Nothing runs until the last line calls main, so a script cut short in transit does nothing.

set -u
REPO_URL="https://github.com/zoza1982/picoflow"

say() { printf 'picoflow-install: %s\n' "$*"; }
fail() {
  printf 'picoflow-install: error: %s\n' "$*" >&2
  exit 1
}
usage() {
  cat <<'EOF'
usage: install.sh [--systemd] [--version VER]
  --systemd        also create the picoflow user, /var/lib/picoflow, /etc/picoflow/workflows,
                   install picoflow.service and enable it (needs root)
  --version VER    install release VER (e.g. v0.1.0) instead of the latest
environment: INSTALL_DIR (default /usr/local/bin), PICOFLOW_VERSION, PICOFLOW_DOWNLOAD_URL, DESTDIR
EOF
}
has() { command -v "$1" >/dev/null 2>&1; }

# Maps `uname -m` to a release architecture; refuses what Bun cannot run on.
detect_arch() {
  system=$(uname -s 2>/dev/null)
  [ "$system" = Linux ] || fail "PicoFlow's release binaries are for Linux; this is ${system:-an unknown system}."
  machine=$(uname -m 2>/dev/null) || fail "cannot tell this machine's architecture (uname -m failed)"
  case "$machine" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64 | armv8*) arch=arm64 ;;
    armv7* | armv6* | armv5* | armhf | armel | arm)
      fail "this is a 32-bit ARM system ($machine). PicoFlow is built on Bun, and Bun has no 32-bit ARM build. Install a 64-bit OS (e.g. Raspberry Pi OS 64-bit, which runs on the Pi 3, 4, 5 and Zero 2 W) and run this again." ;;
    i386 | i486 | i586 | i686 | x86)
      fail "this is a 32-bit x86 system ($machine). PicoFlow is built on Bun, which has no 32-bit build; use a 64-bit (x86_64) OS." ;;
    *) fail "unsupported architecture '$machine': PicoFlow has builds for x86_64 and aarch64 Linux only." ;;
  esac
  # A 64-bit kernel can run a 32-bit userland (Raspberry Pi OS 32-bit on a Pi 4 reports aarch64):
  # the arm64 binary would not start there.
  if [ "$arch" = arm64 ] && has getconf && [ "$(getconf LONG_BIT 2>/dev/null)" = 32 ]; then
    fail "the kernel is 64-bit ($machine) but the system is 32-bit. Bun has no 32-bit ARM build; install a 64-bit OS (e.g. Raspberry Pi OS 64-bit)."
  fi
}

# fetch URL FILE: curl or wget, whichever is there; fails on HTTP errors.
fetch() {
  if has curl; then
    curl -fsSL --retry 2 -o "$2" "$1"
  elif has wget; then
    wget -q -O "$2" "$1"
  else
    fail "need curl or wget to download PicoFlow; install one of them first"
  fi
}

sha256_of() {
  if has sha256sum; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif has shasum; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    fail "need sha256sum or shasum to verify the download"
  fi
}

# download NAME: fetches NAME from the release into $tmp and checks it against SHA256SUMS.
download() {
  say "downloading $base_url/$1"
  fetch "$base_url/$1" "$tmp/$1" || fail "download failed: $base_url/$1"
  expected=$(awk -v name="$1" '$2 == name || $2 == "*" name { print $1; exit }' "$tmp/SHA256SUMS")
  [ -n "$expected" ] || fail "SHA256SUMS has no entry for $1; the release is incomplete"
  actual=$(sha256_of "$tmp/$1")
  [ "$actual" = "$expected" ] || fail "checksum mismatch for $1 (expected $expected, got $actual): the download is corrupt or has been tampered with. Nothing was installed."
}

# The .tar.xz is about a quarter smaller than the .tar.gz (a slow link on a Pi notices): taken
# when xz is installed and the release has one, else the .tar.gz. Either is checksum-verified.
pick_archive() {
  if has xz && awk -v name="picoflow-linux-$arch.tar.xz" '$2 == name || $2 == "*" name { found = 1 } END { exit !found }' "$tmp/SHA256SUMS"; then
    archive="picoflow-linux-$arch.tar.xz"
    unpacker=xz
  else
    archive="picoflow-linux-$arch.tar.gz"
    unpacker=gzip
  fi
}

install_binary() {
  pick_archive
  download "$archive"
  has tar || fail "need tar to unpack the download"
  has "$unpacker" || fail "need $unpacker to unpack $archive"
  # The unpacker's output goes through tar; a broken archive shows as a missing picoflow.
  mkdir "$tmp/unpacked" && "$unpacker" -dc "$tmp/$archive" | tar -xf - -C "$tmp/unpacked" picoflow && [ -f "$tmp/unpacked/picoflow" ] ||
    fail "cannot unpack $archive"
  chmod 755 "$tmp/unpacked/picoflow"
  # Run it before installing: a binary that cannot start here must not replace a working one.
  version=$("$tmp/unpacked/picoflow" --version 2>&1) ||
    fail "the downloaded binary does not start here: $version. The builds need glibc (Alpine and other musl systems are not supported); if $tmp is on a noexec mount, set TMPDIR to another folder."

  mkdir -p "$INSTALL_DIR" 2>/dev/null && [ -w "$INSTALL_DIR" ] ||
    fail "cannot write to $INSTALL_DIR: run as root (curl ... | sudo sh) or choose a folder you own, e.g. INSTALL_DIR=\$HOME/.local/bin"
  # Copy then rename, so a running daemon keeps its old file and never sees a half-written one.
  cp "$tmp/unpacked/picoflow" "$INSTALL_DIR/.picoflow.new.$$" &&
    mv -f "$INSTALL_DIR/.picoflow.new.$$" "$INSTALL_DIR/picoflow" ||
    fail "cannot install $INSTALL_DIR/picoflow"
  say "installed $INSTALL_DIR/picoflow ($version)"
  case ":$PATH:" in
    *":$INSTALL_DIR:"*) ;;
    *) say "note: $INSTALL_DIR is not on your PATH; add it or call $INSTALL_DIR/picoflow" ;;
  esac
}

create_user() {
  if id picoflow >/dev/null 2>&1; then
    say "system user picoflow exists"
    return
  fi
  nologin=/usr/sbin/nologin
  [ -x "$nologin" ] || nologin=/bin/false
  if has useradd; then
    useradd --system --user-group --home-dir /var/lib/picoflow --no-create-home --shell "$nologin" picoflow
  elif has adduser; then
    adduser --system --group --home /var/lib/picoflow --no-create-home --shell "$nologin" picoflow
  else
    false
  fi || fail "cannot create the system user picoflow (need useradd or adduser)"
  say "created system user picoflow"
}

setup_systemd() {
  if [ -z "$DESTDIR" ] && [ "$(id -u)" != 0 ]; then
    fail "--systemd needs root: curl -fsSL .../install.sh | sudo sh -s -- --systemd"
  fi
  download picoflow.service
  create_user
  state_dir="$DESTDIR/var/lib/picoflow"
  workflow_dir="$DESTDIR/etc/picoflow/workflows"
  unit_dir="$DESTDIR/etc/systemd/system"
  mkdir -p "$state_dir" "$workflow_dir" "$unit_dir" || fail "cannot create $state_dir, $workflow_dir or $unit_dir"
  # History and logs belong to the service user; workflows are root's, readable by all.
  chown picoflow:picoflow "$state_dir" && chmod 750 "$state_dir" && chmod 755 "$workflow_dir" ||
    fail "cannot set the owner of $state_dir"

  unit="$unit_dir/picoflow.service"
  # The unit starts /usr/local/bin/picoflow; point it at INSTALL_DIR when that differs.
  sed "s#/usr/local/bin/picoflow#$INSTALL_DIR/picoflow#g" "$tmp/picoflow.service" >"$tmp/picoflow.service.new" ||
    fail "cannot prepare the unit file"
  if [ -f "$unit" ] && ! cmp -s "$unit" "$tmp/picoflow.service.new"; then
    cp "$unit" "$unit.bak" && say "kept your previous unit as $unit.bak (use 'systemctl edit picoflow' for local changes)"
  fi
  cp "$tmp/picoflow.service.new" "$unit" && chmod 644 "$unit" || fail "cannot write $unit"
  say "installed $unit; workflows go in $workflow_dir, history in $state_dir"

  if has systemctl && [ -d /run/systemd/system ]; then
    systemctl daemon-reload && systemctl enable picoflow || fail "systemctl enable picoflow failed"
    # Upgrades: a running service picks up the new binary; a stopped one stays stopped.
    systemctl try-restart picoflow || fail "systemctl try-restart picoflow failed"
    say "enabled picoflow.service; put workflow files in /etc/picoflow/workflows, then: systemctl start picoflow"
  else
    say "systemd is not running on this machine, so picoflow.service was installed but not enabled."
    say "On a systemd machine: systemctl daemon-reload && systemctl enable --now picoflow"
  fi
}

main() {
  with_systemd=no
  version_tag=${PICOFLOW_VERSION:-latest}
  while [ $# -gt 0 ]; do
    case "$1" in
      --systemd) with_systemd=yes ;;
      --version)
        [ $# -ge 2 ] || fail "--version needs a value, e.g. --version v0.1.0"
        version_tag=$2
        shift
        ;;
      --version=*) version_tag=${1#--version=} ;;
      -h | --help)
        usage
        exit 0
        ;;
      *) fail "unknown option '$1' (see --help)" ;;
    esac
    shift
  done

  INSTALL_DIR=${INSTALL_DIR:-/usr/local/bin}
  DESTDIR=${DESTDIR:-}
  if [ -n "${PICOFLOW_DOWNLOAD_URL:-}" ]; then
    base_url=${PICOFLOW_DOWNLOAD_URL%/}
  elif [ "$version_tag" = latest ]; then
    base_url="$REPO_URL/releases/latest/download"
  else
    base_url="$REPO_URL/releases/download/$version_tag"
  fi

  detect_arch
  tmp=$(mktemp -d 2>/dev/null || mktemp -d -t picoflow) || fail "cannot create a temporary folder"
  trap 'rm -rf "$tmp"' EXIT
  # dash and others skip the EXIT trap when killed by a signal unless the signal is trapped.
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP

  say "installing PicoFlow for linux-$arch from $base_url"
  fetch "$base_url/SHA256SUMS" "$tmp/SHA256SUMS" || fail "cannot download $base_url/SHA256SUMS (is the release URL right? set PICOFLOW_DOWNLOAD_URL to override)"
  install_binary
  [ "$with_systemd" = no ] || setup_systemd
  say "done. Try: picoflow template > hello.yaml && picoflow run hello.yaml"
}

main "$@"
