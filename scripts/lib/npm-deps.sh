#!/usr/bin/env bash
# Installs the npm packages the tests run against runboxd (today: the unmodified piston-client,
# tests/compat/piston-client) into build/npm/, from the npm registry, pinned by the committed
# package-lock.json (`npm ci`). Idempotent: nothing is fetched when the lock file is unchanged.
# Node.js and npm come from Debian's packages when the host has none.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "[npm] installing Debian's nodejs and npm" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
for pkg in piston-client; do
  src=$ROOT/tests/compat/$pkg
  dst=$ROOT/build/npm/$pkg
  mkdir -p "$dst"
  cp "$src/check.mjs" "$dst/"  # the script that drives the client: always the checkout's
  if [[ -f $dst/node_modules/.runbox-lock && $(cat "$dst/node_modules/.runbox-lock") == $(sha256sum <"$src/package-lock.json") ]]; then
    continue
  fi
  echo "[npm] npm ci in build/npm/$pkg..."
  cp "$src/package.json" "$src/package-lock.json" "$dst/"
  (cd "$dst" && npm ci --no-audit --no-fund --loglevel=error)
  sha256sum <"$src/package-lock.json" >"$dst/node_modules/.runbox-lock"
done
