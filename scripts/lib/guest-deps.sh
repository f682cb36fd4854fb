#!/usr/bin/env bash
# Installs what the guest tests (tests/guest/) need to boot pure cgroup v2 and pure v1 test
# guests: qemu (TCG is enough), a static busybox for the guest's init, and Debian's kernel (the
# generic flavour: it has 9p and virtio as modules; the cloud flavour has no 9p). Idempotent:
# only what is missing is installed, and apt-get update runs only when something is.
#
# The kernel package only puts files in /boot and /lib/modules and builds an initrd there: this
# host does not boot from them (no boot loader is installed or configured by it), so its boot is
# unchanged. Exits non-zero only when an install was needed and failed; the guest tests then
# report themselves skipped with the reason, never passed.
set -euo pipefail

GUEST_PACKAGES=(qemu-system-x86 busybox-static linux-image-amd64)

missing=()
for p in "${GUEST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "runbox: installing for the guest tests: ${missing[*]} (once; the kernel's initrd hook takes a minute)" >&2
  export DEBIAN_FRONTEND=noninteractive
  # needrestart (when present) would ask about the "pending kernel upgrade": this host never
  # boots that kernel, the guests do.
  export NEEDRESTART_SUSPEND=1 NEEDRESTART_MODE=l
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
