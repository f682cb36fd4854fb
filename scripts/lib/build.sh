#!/usr/bin/env bash
# Configures and builds runbox in build/ (RelWithDebInfo, warnings are errors everywhere, so a
# local build fails exactly where CI would). Incremental: a warm tree rebuilds only what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

start=$SECONDS
echo "[build] configuring build/ (cmake)..."
mkdir -p build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRUNBOX_WERROR=ON >build/.configure.log 2>&1 \
  || { cat build/.configure.log >&2; echo "[build] error: cmake configure failed" >&2; exit 1; }
echo "[build] compiling (cmake --build build -j$(nproc))..."
cmake --build build -j"$(nproc)"
echo "[build] done in $((SECONDS - start)) s"
