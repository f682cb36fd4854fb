#!/usr/bin/env bash
# Installs the Debian 12 packages runbox builds and tests with. Idempotent: only what is missing
# is installed, and apt-get update runs only when something is.
set -euo pipefail

RUNBOX_PACKAGES=(
  # build
  build-essential cmake pkg-config libc6-dev
  # sandbox library
  libseccomp-dev libcap-dev libcgroup-dev
  # images, config, CLI, HTTP/JSON
  libarchive-dev libtomlplusplus-dev libcli11-dev libboost1.81-dev libboost-json1.81-dev
  # runboxd's /metrics (daemon/CMakeLists.txt: find_package(prometheus-cpp))
  prometheus-cpp-dev
  # sd_notify / socket activation (libsystemd), systemd-analyze verify of the units (systemd)
  libsystemd-dev systemd
  # tests
  catch2
  # runtime images and the standard OCI seccomp profile
  mmdebstrap golang-github-containers-common
  # bench baselines
  bubblewrap
)

missing=()
for p in "${RUNBOX_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "runbox: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
