#!/usr/bin/env bash
# Installs the Debian 12 packages runbox builds and tests with. Idempotent: only what is missing
# is installed, and apt-get update runs only when something is.
#   RUNBOX_DOCKER=0   leave out the Docker engine and gVisor (no docker backend, images imported
#                     from their tarballs instead of pulled through the engine)
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
  # SHA-256 of API keys and the constant-time compare (OpenSSL's libcrypto)
  libssl-dev
  # the Judge0 facade's submission store (daemon/judge0/submission_store.cpp); the CLI for tests
  libsqlite3-dev sqlite3
  # the gRPC transport (daemon/grpc: grpc++, grpc++_reflection, protobuf; protoc and
  # grpc_cpp_plugin generate the code from proto/ at build time) and its Python check
  # (tests/compat/grpc/check.py: grpcio, with stubs from protoc's grpc_python_plugin)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler python3-grpcio
  # tests
  catch2
  # the fleet tests (tests/fleet): HAProxy in front of three runboxd; deploy/kubernetes' YAML.
  # (Debian's haproxy.service starts with the package's own config, which listens nowhere.)
  haproxy python3-yaml
  # the playground's editor (CodeMirror 5, served by runboxd from /usr/share/javascript/codemirror)
  # and its browser test (tests/playground/browser_check.py: headless Chromium over DevTools)
  libjs-codemirror chromium python3-websocket
  # the sanitizer tree (scripts/lib/build-sanitize.sh): clang 14, its ASan/UBSan/libFuzzer runtimes
  clang-14 libclang-rt-14-dev
  # runtime images and the standard OCI seccomp profile
  mmdebstrap golang-github-containers-common
  # bench baselines
  bubblewrap
)
if [[ ${RUNBOX_DOCKER:-1} != 0 ]]; then
  # The Docker engine (image pull, docker backend), gVisor for the untrusted tier, and curl for
  # scripts/lib/docker.sh's /_ping. scripts/lib/docker.sh starts and configures the engine.
  RUNBOX_PACKAGES+=(docker.io runsc curl)
fi

missing=()
for p in "${RUNBOX_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "runbox: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Packages must not start services while they are installed: docker.io's would start dockerd
  # with its default networking (iptables, a bridge), which this kind of host cannot give, and
  # fail the install. scripts/lib/docker.sh starts the engine the way runbox needs it. The
  # standard policy-rc.d "101: action forbidden" does that, only if the host has none of its own.
  policy=/usr/sbin/policy-rc.d
  placed_policy=
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# runbox scripts/lib/deps.sh: no service starts during its apt-get install\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    placed_policy=1
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ -n $placed_policy ]]; then
    rm -f "$policy"
    trap - EXIT
  fi
fi
