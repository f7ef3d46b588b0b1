#!/usr/bin/env bash
# Optional set-up for `npm run bench`: the PyTorch reference. Not needed by
# `npm test` (scripts/setup.sh covers that and everything else the benchmark
# uses: Bun, Deno, Chromium, TF.js).
#
# Installs Debian's python3-torch and OpenBLAS, and selects OpenBLAS for
# libblas.so.3 through Debian's alternatives: Debian's torch calls the
# generic libblas.so.3, which otherwise may be the reference BLAS (about 8x
# slower on the GAN's products). Idempotent and quick when all is in place.
set -euo pipefail

PY=/usr/bin/python3 # Debian's interpreter: python3-torch is installed for it
ALT=libblas.so.3-x86_64-linux-gnu
OPENBLAS=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3

log() { echo "setup-bench: $*"; }

missing=()
"$PY" -c 'import torch' 2>/dev/null || missing+=(python3-torch)
[ -f "$OPENBLAS" ] || missing+=(libopenblas0-pthread)

if [ ${#missing[@]} -gt 0 ]; then
  if [ -f /etc/debian_version ] && [ "$(id -u)" -eq 0 ]; then
    log "installing with apt: ${missing[*]} (python3-torch pulls in a few hundred MB)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${missing[@]}"
  else
    echo "setup-bench: missing ${missing[*]}; as root on Debian: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if command -v update-alternatives >/dev/null && [ -f "$OPENBLAS" ]; then
  current=$(update-alternatives --query "$ALT" 2>/dev/null | sed -n 's/^Value: //p')
  if [ "$current" != "$OPENBLAS" ]; then
    if [ "$(id -u)" -eq 0 ]; then
      log "selecting OpenBLAS for libblas.so.3 (was: ${current:-none})"
      update-alternatives --set "$ALT" "$OPENBLAS"
    else
      echo "setup-bench: libblas.so.3 is ${current:-unset}; as root: update-alternatives --set $ALT $OPENBLAS" >&2
      exit 1
    fi
  fi
fi

blas=$(OPENBLAS_NUM_THREADS=1 "$PY" - <<'EOF'
import os, torch
torch.ones(64, 64) @ torch.ones(64, 64)
libs = sorted({os.path.realpath(l.split()[-1]) for l in open('/proc/self/maps') if 'blas' in l.split()[-1]})
print(', '.join(libs))
EOF
)
log "torch $("$PY" -c 'import torch; print(torch.__version__)') uses: $blas"
