# Sourced by scripts/run and scripts/test: the set-up both share.

# Exits with a clear message unless running as root. $1: the script, $2: its arguments' synopsis.
runbox_require_root() {
  if ((EUID != 0)); then
    echo "$1: must run as root: it installs packages, builds runtime images and runs sandboxes." >&2
    echo "usage: sudo ./$1 $2" >&2
    exit 1
  fi
}

# Installs missing packages, builds the tree, makes a Docker engine answer (RUNBOX_DOCKER=0: no
# engine) and prepares the runtime images through it (each step skips what is already done).
# Runs from the repository root.
runbox_setup() {
  local root start=$SECONDS step
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$root"
  echo "[deps] checking packages..."
  bash scripts/lib/deps.sh
  bash scripts/lib/build.sh
  step=$SECONDS
  bash scripts/lib/docker.sh
  bash scripts/lib/images.sh
  echo "[setup] docker engine and images: $((SECONDS - step)) s"
  echo "[setup] ready in $((SECONDS - start)) s"
}
