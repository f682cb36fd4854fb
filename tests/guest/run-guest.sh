#!/usr/bin/env bash
# Boots a test guest of one cgroup layout in qemu and runs a chosen set of the sandbox tests in
# it, against the real image rootfs, then turns the guest's results into one ctest result.
#
#   tests/guest/run-guest.sh --layout v2|v1 --tests BUILD/tests/runbox_sandbox_tests
#                            [--plan FILE] [--timeout SECONDS] [--memory MB] [--log-dir DIR]
#   tests/guest/run-guest.sh --check    # can guests run here? (exit 0, or 77 with the reason)
#
# The guest's kernel is Debian's (linux-image-amd64, scripts/lib/guest-deps.sh installs it with
# qemu-system-x86 and busybox-static); its init is tests/guest/init.sh. The guest's root is this
# host's root, shared read-only over 9p, with tmpfs for the writable state (/run, /tmp), so the
# test binary, the probe, the seccomp policy and the image rootfs are at the paths compiled in.
#
# Exit status: 0 every test passed in the guest; 1 a test failed, was skipped inside the guest,
# or the guest did not finish (each is named, with the layout); 77 the guest cannot run on this
# host (no qemu, no kernel, no static busybox, not root, no image), with the reason printed.
#
# Environment: RUNBOX_GUEST_TESTS=0 skips (77); RUNBOX_GUEST_KERNEL=/boot/vmlinuz-VER picks the
# kernel; RUNBOX_GUEST_ACCEL=kvm uses KVM where it works (default tcg: the CI machines' /dev/kvm
# cannot run an ordinary guest kernel); RUNBOX_GUEST_VERBOSE=1 streams the guest's console.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

layout='' tests_bin='' plan=$HERE/tests.txt timeout_s=600 memory_mb=1024 log_dir='' check=0
while (($#)); do
  case $1 in
    --check) check=1 layout=${layout:-v2}; shift ;;
    --layout) layout=$2; shift 2 ;;
    --tests) tests_bin=$2; shift 2 ;;
    --plan) plan=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --memory) memory_mb=$2; shift 2 ;;
    --log-dir) log_dir=$2; shift 2 ;;
    *) echo "usage: $0 --layout v2|v1 --tests PATH [--plan FILE] [--timeout S] [--memory MB] [--log-dir DIR]" >&2
       echo "       $0 --check   (can guests run here? prints the reason they would be skipped; exit 0 or 77)" >&2
       exit 2 ;;
  esac
done
[[ $layout == v2 || $layout == v1 ]] || { echo "run-guest: --layout must be v2 or v1" >&2; exit 2; }
[[ -n $tests_bin || $check == 1 ]] || { echo "run-guest: --tests PATH is required" >&2; exit 2; }

tag="[guest $layout]"
((check)) && tag="[guest]"
say() { echo "$tag $*"; }
skip() { echo "SKIPPED: $tag $*"; exit 77; }
fail() { echo "$tag FAILED: $*"; exit 1; }

# --- can a guest run here? (else skipped, with the reason) -----------------------------------
[[ ${RUNBOX_GUEST_TESTS:-1} != 0 ]] || skip "disabled by RUNBOX_GUEST_TESTS=0"
((EUID == 0)) || skip "needs root (the guest shares this host's root, image rootfs included, read-only)"
QEMU=$(command -v qemu-system-x86_64 || true)
[[ -n $QEMU ]] || skip "qemu-system-x86_64 is not installed (scripts/lib/guest-deps.sh installs qemu-system-x86)"
BUSYBOX=
for b in /bin/busybox /usr/bin/busybox /usr/lib/initramfs-tools/bin/busybox; do
  if [[ -x $b ]] && ! ldd "$b" >/dev/null 2>&1; then BUSYBOX=$b; break; fi
done
[[ -n $BUSYBOX ]] || skip "no static busybox for the guest's init (scripts/lib/guest-deps.sh installs busybox-static)"

kernel=${RUNBOX_GUEST_KERNEL:-}
if [[ -z $kernel ]]; then
  # The newest Debian kernel with 9p, as a module or built in (the generic flavour has it as a
  # module; the cloud flavour has no 9p).
  while read -r k; do
    v=${k#/boot/vmlinuz-}
    if grep -qsE '^kernel/fs/9p/9p\.ko' "/lib/modules/$v/modules.dep" "/lib/modules/$v/modules.builtin"; then
      kernel=$k
    fi
  done < <(find /boot -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | sort -V)
fi
[[ -n $kernel && -r $kernel ]] ||
  skip "no Debian kernel with 9p modules in /boot and /lib/modules (scripts/lib/guest-deps.sh installs linux-image-amd64)"
kver=${kernel#/boot/vmlinuz-}
moddir=/lib/modules/$kver
[[ -f $moddir/modules.dep ]] || skip "$moddir/modules.dep is missing for kernel $kernel"

rootfs_dir=${RUNBOX_ROOTFS_DIR:-/var/lib/runbox/rootfs}
[[ -d $rootfs_dir/python/usr ]] ||
  skip "runtime image 'python' is not at $rootfs_dir/python (sudo ./scripts/test builds it)"

if ((check)); then
  say "guest tests can run here: $($QEMU --version | head -1), kernel $kver, $BUSYBOX"
  exit 0
fi

# Not being able to run the project's own test binary is a failure, not a skip.
[[ -x $tests_bin ]] || fail "the test binary $tests_bin is missing: build it first"
tests_bin=$(realpath "$tests_bin")
[[ -f $plan ]] || fail "no test plan $plan"

# --- the initramfs: busybox, /init, the 9p modules, the plan ---------------------------------
work=$(mktemp -d "/tmp/runbox-guest-$layout.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
initrd=$work/initrd
mkdir -p "$initrd"/{bin,dev,proc,modules}
cp "$BUSYBOX" "$initrd/bin/busybox"
cp "$HERE/init.sh" "$initrd/init"
chmod 755 "$initrd/init"
mknod -m 600 "$initrd/dev/console" c 5 1
mknod -m 666 "$initrd/dev/null" c 1 3
mknod -m 600 "$initrd/dev/ttyS1" c 4 65

# Module load order from modules.dep: dependencies first.
declare -A loaded=()
order=()
add_module() {  # $1: path relative to $moddir
  local rel=$1 line dep
  [[ -n ${loaded[$rel]:-} ]] && return
  line=$(grep -m1 "^$rel:" "$moddir/modules.dep") || { echo "$tag no $rel in $moddir/modules.dep" >&2; return 1; }
  for dep in ${line#*:}; do add_module "$dep"; done
  loaded[$rel]=1
  order+=("$rel")
}
for target in fs/9p/9p net/9p/9pnet_virtio drivers/virtio/virtio_pci; do
  grep -qE "^kernel/$target\.ko" "$moddir/modules.builtin" 2>/dev/null && continue  # built in
  rel=$(grep -oE "^kernel/$target\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" | head -1 | tr -d :) ||
    skip "kernel $kver has no $target module (needs CONFIG_9P_FS, CONFIG_NET_9P_VIRTIO, CONFIG_VIRTIO_PCI)"
  add_module "$rel" || skip "cannot resolve the dependencies of $rel"
done
: >"$initrd/modules/order"
for rel in "${order[@]}"; do
  name=$(basename "$rel")
  case $name in
    *.ko.xz) xz -dc "$moddir/$rel" >"$initrd/modules/${name%.xz}"; name=${name%.xz} ;;
    *.ko.zst) zstd -qdc "$moddir/$rel" >"$initrd/modules/${name%.zst}"; name=${name%.zst} ;;
    *.ko.gz) gzip -dc "$moddir/$rel" >"$initrd/modules/${name%.gz}"; name=${name%.gz} ;;
    *) cp "$moddir/$rel" "$initrd/modules/$name" ;;
  esac
  echo "$name" >>"$initrd/modules/order"
done

# Host directories the guest's tmpfs mounts would hide, shown again read-only.
expose="$(dirname "$tests_bin") $ROOT $(realpath "$rootfs_dir")"
{
  echo "LAYOUT=$layout"
  echo "TEST_BINARY='$tests_bin'"
  echo "EXPOSE='$expose'"
  echo "ROOTFS_DIR='${RUNBOX_ROOTFS_DIR:-}'"
  echo "TEST_TIMEOUT=${RUNBOX_GUEST_TEST_TIMEOUT:-300}"
} >"$initrd/plan"
# The plan: "<phase> <exact test name>" lines for this layout ("all" or the layout in column 1).
awk -v l="$layout" '/^[[:space:]]*(#|$)/ { next }
  { split($1, layouts, ","); ok = 0; for (i in layouts) if (layouts[i] == "all" || layouts[i] == l) ok = 1
    if (!ok) next; $1 = ""; sub(/^ /, ""); print }' "$plan" >"$initrd/tests"
planned=$(awk 'NF { n++ } END { print n + 0 }' "$initrd/tests")
((planned > 0)) || fail "the plan $plan has no test for layout $layout"
(cd "$initrd" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null) >"$work/initrd.cpio"

# --- boot ------------------------------------------------------------------------------------
cmdline="console=ttyS0 panic=-1 quiet loglevel=3"
[[ $layout == v2 ]] && cmdline+=" cgroup_no_v1=all"
accel=${RUNBOX_GUEST_ACCEL:-tcg}
console=$work/console.log results=$work/results
: >"$console"
: >"$results"
say "booting kernel $kver ($accel, 2 CPUs, ${memory_mb} MB) for $planned test(s); plan $(basename "$plan")"
verbose_pid=
if [[ ${RUNBOX_GUEST_VERBOSE:-0} == 1 ]]; then
  tail -n +1 -f "$console" &
  verbose_pid=$!
fi
started=$(date +%s)
set +e
timeout --kill-after=10 "$timeout_s" "$QEMU" \
  -accel "$accel" -cpu max -smp 2 -m "$memory_mb" \
  -nodefaults -no-user-config -display none -no-reboot -nic none \
  -kernel "$kernel" -initrd "$work/initrd.cpio" -append "$cmdline" \
  -chardev "file,id=con,path=$console" -serial chardev:con \
  -chardev "file,id=res,path=$results" -serial chardev:res \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  >"$work/qemu.log" 2>&1 &
qemu_pid=$!
# Stopped from outside (ctest's timeout, ^C): the guest goes too.
trap 'kill "$qemu_pid" 2>/dev/null; [[ -n $verbose_pid ]] && kill "$verbose_pid" 2>/dev/null; exit 1' TERM INT HUP
wait "$qemu_pid"
qemu_rc=$?
trap - TERM INT HUP
set -e
elapsed=$(($(date +%s) - started))
[[ -n $verbose_pid ]] && kill "$verbose_pid" 2>/dev/null
if [[ -n $log_dir ]]; then
  mkdir -p "$log_dir"
  cp "$console" "$log_dir/guest-$layout-console.log"
  cp "$results" "$log_dir/guest-$layout-results.log"
fi

# --- results ---------------------------------------------------------------------------------
# The console section of one test, for a failure's details.
section() {
  awk -v start="=== [$layout] $1 (" -v stop="=== [$layout] exit " '
    index($0, start) == 1 { on = 1; next }
    on && index($0, stop) == 1 { exit }
    on { print }' "$console" | tr -d '\r'
}

passed=0 failed=0 current='' done_seen=0 fatal=''
declare -a failures=()
declare -A finished=()
last_failed=
while IFS= read -r line; do
  line=${line%$'\r'}
  [[ $line == RBG\ * ]] || continue
  line=${line#RBG }
  case $line in
    layout\ *) say "guest: $line" ;;
    mounts\ *) say "guest cgroup mounts: ${line#mounts }" ;;
    begin\ *) current=${line#begin }; current=${current#* } ;;
    end\ *)
      read -r _ status rc secs name <<<"$line"
      finished[$name]=1
      current=
      case $status in
        pass)
          passed=$((passed + 1)); last_failed=
          say "PASS ($secs s) $name"
          # What the guest tests measured ("guest: ..." lines), for the record.
          section "$name" | grep '^guest: ' | sed "s/^guest: /$tag     /" || true ;;
        skip)
          failed=$((failed + 1)); last_failed=$name
          reason=$(section "$name" | grep -m1 '^SKIPPED:' || true)
          failures+=("$name: skipped inside the guest (${reason:-no reason printed})")
          say "FAIL ($secs s) $name: skipped inside the guest: ${reason:-no reason printed}" ;;
        *)
          failed=$((failed + 1)); last_failed=$name
          failures+=("$name: exit $rc")
          say "FAIL ($secs s) $name: exit $rc"
          section "$name" | tail -n 80 | sed "s/^/$tag   | /" ;;
      esac ;;
    why\ *)
      say "  ${line#why }"
      [[ -n $last_failed ]] && failures[${#failures[@]}-1]+="; ${line#why }" ;;
    leftover\ *)
      failed=$((failed + 1))
      failures+=("after the suite: run cgroups left behind: ${line#leftover }")
      say "FAIL run cgroups left behind after the suite: ${line#leftover }" ;;
    fatal\ *) fatal=${line#fatal } ;;
    done) done_seen=1 ;;
  esac
done <"$results"

if ((!done_seen)); then
  if [[ -n $fatal ]]; then why="the guest's init failed: $fatal"
  elif [[ -n $current ]]; then why="the guest stopped during '$current' (qemu exit $qemu_rc after ${elapsed}s)"
  else why="the guest did not finish (qemu exit $qemu_rc after ${elapsed}s)"
  fi
  ((qemu_rc == 124 || qemu_rc == 137)) && why+="; killed by the ${timeout_s}s guest timeout"
  failures+=("$why")
  failed=$((failed + 1))
  say "FAIL $why"
  say "last lines of the guest console:"
  tail -n 60 "$console" | tr -d '\r' | sed "s/^/$tag   | /"
  [[ -s $work/qemu.log ]] && sed "s/^/$tag qemu: /" "$work/qemu.log"
fi
# Every planned test must have reported.
while IFS= read -r entry; do
  name=${entry#* }
  if [[ -z ${finished[$name]:-} ]] && ((done_seen)); then
    failures+=("$name: did not run")
    failed=$((failed + 1))
  fi
done <"$initrd/tests"

say "$passed passed, $failed failed, layout $layout, kernel $kver, guest run ${elapsed}s"
if ((failed)); then
  for f in "${failures[@]}"; do echo "$tag FAILED: $f"; done
  exit 1
fi
exit 0
