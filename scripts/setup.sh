#!/usr/bin/env bash
# Brings this machine to the point where `npm test` and `npm start` run:
# a Rust toolchain that targets wasm32, wabt (wasm-objdump, for the artifact
# check), binaryen (wasm-opt, optional post-processing), the Fashion-MNIST
# files, Chromium (browser tests) and node_modules.
#
# Idempotent, and quick when everything is present: each piece is checked by
# its binary or file, and apt/npm run only for what is missing. On Debian as
# root it installs what is missing; anywhere else it prints what to install
# and fails. It never runs npm test (npm test runs it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

start_ns=$(date +%s%N)
log() { echo "setup: $*"; }
# `command -v` alone also reports a matching file that is not executable.
have() {
  local p
  p=$(command -v "$1") && [ -x "$p" ]
}
die() {
  echo "setup: FAIL $*" >&2
  exit 1
}

FASHION_DIR=/usr/share/datasets/fashion-mnist
FASHION_FILES=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)

have node || die "node is not on PATH (Node >= 20.19 is needed to develop; the package itself runs on Node >= 18)"
have npm || die "npm is not on PATH"
# vitest's vite needs ^20.19 || >= 22.12; say so here instead of failing obscurely later.
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
  die "Node $(node --version) is too old for the dev tools: Node >= 20.19 is needed"

# ---- system packages: collect what is missing ------------------------------
missing=()
rust_missing=0
if ! node scripts/find-rustc.mjs >/dev/null 2>&1; then
  rust_missing=1
  missing+=(rustc cargo libstd-rust-dev-wasm32 lld)
fi
have wasm-objdump || missing+=(wabt)
have wasm-opt || missing+=(binaryen)
for f in "${FASHION_FILES[@]}"; do
  if [ ! -f "$FASHION_DIR/$f" ]; then
    missing+=(dataset-fashion-mnist)
    break
  fi
done
have chromium || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  if [ -f /etc/debian_version ] && [ "$(id -u)" -eq 0 ]; then
    log "installing with apt: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${missing[@]}"
    if [ $rust_missing -eq 1 ]; then
      node scripts/find-rustc.mjs >/dev/null 2>&1 || {
        node scripts/find-rustc.mjs >&2 || true
        die "installed ${missing[*]} but still no rustc with the wasm32-unknown-unknown target"
      }
    fi
  else
    {
      echo "setup: FAIL missing (as Debian packages): ${missing[*]}"
      if [ -f /etc/debian_version ]; then
        echo "  run as root:  apt-get update && apt-get install -y ${missing[*]}"
      else
        echo "  this script installs them only on Debian as root. Elsewhere provide:"
        [ $rust_missing -eq 1 ] && echo "  - Rust with the wasm target:  rustup target add wasm32-unknown-unknown"
        for p in "${missing[@]}"; do
          case $p in
            wabt) echo "  - wabt (wasm-objdump) on PATH" ;;
            binaryen) echo "  - binaryen (wasm-opt) on PATH" ;;
            dataset-fashion-mnist) echo "  - the four Fashion-MNIST .gz files in $FASHION_DIR (${FASHION_FILES[*]})" ;;
            chromium) echo "  - chromium on PATH" ;;
          esac
        done
      fi
    } >&2
    exit 1
  fi
else
  log "system packages present (rust wasm32 toolchain, wabt, binaryen, fashion-mnist, chromium)"
fi

# ---- node_modules -----------------------------------------------------------
# node_modules/.package-lock.json is npm's record of what is installed; when
# the lockfile or package.json is newer, the install is out of date.
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ]; then
  log "npm ci (no node_modules)"
  npm ci --no-audit --no-fund
elif [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  log "npm install (package.json or package-lock.json changed)"
  npm install --no-audit --no-fund
  touch "$stamp"
else
  log "node_modules up to date"
fi

log "ready in $(((($(date +%s%N) - start_ns) / 1000000))) ms"
