# Sourced by scripts/run and scripts/test: the set-up both share.

# Exits with a clear message unless running as root. $1: the script, $2: its arguments' synopsis.
runbox_require_root() {
  if ((EUID != 0)); then
    echo "$1: must run as root: it installs packages, builds runtime images and runs sandboxes." >&2
    echo "usage: sudo ./$1 $2" >&2
    exit 1
  fi
}

# Installs missing packages, builds the tree and prepares the runtime images (each step skips
# what is already done). Runs from the repository root.
runbox_setup() {
  local root start=$SECONDS
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$root"
  echo "[deps] checking packages..."
  bash scripts/lib/deps.sh
  bash scripts/lib/build.sh
  bash scripts/lib/images.sh
  echo "[setup] ready in $((SECONDS - start)) s"
}
