#!/bin/busybox sh
# The test guest's init (PID 1), run by busybox sh. tests/guest/run-guest.sh packs it into the
# initramfs as /init with a static busybox, the kernel modules for 9p, and /plan (what to run).
#
# Stage 1 (in the initramfs): load the 9p modules, mount the host's root read-only (shared by
# qemu as "hostroot") as the new root, put tmpfs on everything that must be writable (/run, /tmp,
# /var/tmp) plus proc, sysfs and devtmpfs, re-expose the host directories the plan names that
# those tmpfs mounts hide (a build directory under /tmp), and switch_root into it. The project's
# compiled-in paths (the probe, the seccomp policy, the image rootfs) are then the same as on the
# host.
#
# Stage 2 (PID 1 in the new root): mount the cgroup layout the plan asks for, exactly as a
# systemd host of that layout would present it to runboxd, and run each test of the plan in its
# own process and its own fresh service cgroup. Results go to the second serial port (ttyS1)
# as lines "RBG <what> ..."; the test output goes to the console (ttyS0). Then power off.
#
# Layouts:
#   v2  cgroup_no_v1=all; cgroup2 at /sys/fs/cgroup; +memory +pids +cpu enabled in the root's and
#       system.slice's subtree_control; each test process starts in a fresh
#       system.slice/runbox.service, like a service with Delegate=yes: runbox enables the
#       controllers below it itself.
#   v1  no cgroup2 mounted anywhere; a tmpfs at /sys/fs/cgroup with the v1 hierarchies systemd
#       mounts (memory, pids, cpu,cpuacct, freezer, devices, name=systemd); each test process
#       starts in a fresh system.slice/runbox.service of memory, pids and cpu,cpuacct.
# Phases (column 2 of tests/guest/tests.txt):
#   main    the layout as a correctly set-up host presents it
#   refuse  the memory controller is missing: v2, the service sits in a slice that enables only
#           +pids +cpu (memory not delegated); v1, a mount namespace whose memory hierarchy is
#           unmounted
#   shared  (v2) another process shares the service cgroup, so runbox cannot make it an inner node
BB=/bin/busybox
[ "$1" = stage2 ] && BB=/run/guest/busybox

say() { echo "[guest-init] $*" > /dev/console; }

report() {  # one result line for the host on ttyS1 (falls back to the console)
  if [ -c /dev/ttyS1 ]; then echo "RBG $*" > /dev/ttyS1; else echo "RBG $*" > /dev/console; fi
}

die() {
  say "error: $*"
  report "fatal $*"
  $BB sync
  $BB poweroff -f
  exit 1
}

stage1() {
  $BB mount -t proc proc /proc
  . /plan
  for m in $(cat /modules/order); do
    $BB insmod "/modules/$m" || die "insmod $m failed"
  done
  $BB mkdir -p /newroot /hostview
  $BB mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /newroot \
    || die "cannot mount the host's root over 9p"
  # A second view of the host root (before anything is mounted on it), to re-expose the
  # directories the tmpfs mounts below hide.
  $BB mount -o bind /newroot /hostview || die "cannot bind the host's root to /hostview"
  $BB mount -t proc proc /newroot/proc
  $BB mount -t sysfs sysfs /newroot/sys
  $BB mount -t devtmpfs devtmpfs /newroot/dev
  $BB mkdir -p /newroot/dev/shm /newroot/dev/pts
  $BB mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /newroot/dev/shm
  $BB mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /newroot/run
  $BB mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /newroot/tmp
  [ -d /newroot/var/tmp ] && $BB mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /newroot/var/tmp
  for p in $EXPOSE; do
    case $p in
      /tmp/* | /run/* | /var/tmp/*)
        $BB mkdir -p "/newroot$p"
        $BB mount -o bind "/hostview$p" "/newroot$p" || die "cannot expose $p"
        ;;
    esac
  done
  $BB mkdir -p /newroot/run/guest
  $BB cp /init /plan /tests "$BB" /newroot/run/guest/
  $BB umount /proc
  exec $BB switch_root /newroot /run/guest/busybox sh /run/guest/init stage2
}

# --- stage 2 ------------------------------------------------------------------------------

CG=/sys/fs/cgroup
SERVICE=/system.slice/runbox.service

setup_v2() {
  $BB mount -t cgroup2 -o nsdelegate cgroup2 $CG || die "cannot mount cgroup2"
  for c in memory pids cpu; do
    $BB grep -qw $c $CG/cgroup.controllers || die "the kernel offers no $c controller in cgroup2"
  done
  # As systemd does: PID 1 leaves the root for init.scope; slices enable the controllers their
  # units use; a Delegate=yes service gets memory, pids and cpu in its cgroup.controllers.
  $BB mkdir $CG/init.scope && echo $$ > $CG/init.scope/cgroup.procs
  echo "+memory +pids +cpu" > $CG/cgroup.subtree_control || die "root subtree_control"
  $BB mkdir $CG/system.slice
  echo "+memory +pids +cpu" > $CG/system.slice/cgroup.subtree_control || die "system.slice subtree_control"
  # For the refusal phase: a slice that passes on pids and cpu but not memory.
  $BB mkdir $CG/nomemory.slice
  echo "+pids +cpu" > $CG/nomemory.slice/cgroup.subtree_control || die "nomemory.slice subtree_control"
  HIERARCHIES=$CG
}

setup_v1() {
  $BB grep -q cgroup2 /proc/mounts && die "a cgroup2 is mounted in the v1 guest"
  $BB mount -t tmpfs -o mode=755,nosuid,nodev,noexec tmpfs $CG || die "cannot mount the tmpfs at $CG"
  HIERARCHIES=
  for c in memory pids cpu,cpuacct freezer devices; do
    $BB mkdir $CG/$c
    $BB mount -t cgroup -o nosuid,nodev,noexec,$c cgroup $CG/$c || die "cannot mount the v1 $c hierarchy"
    case $c in freezer | devices) ;; *) HIERARCHIES="$HIERARCHIES $CG/$c" ;; esac
  done
  $BB ln -s cpu,cpuacct $CG/cpu
  $BB ln -s cpu,cpuacct $CG/cpuacct
  # systemd's own named hierarchy, which every v1 systemd host has (no controller).
  $BB mkdir $CG/systemd
  $BB mount -t cgroup -o nosuid,nodev,noexec,none,name=systemd cgroup $CG/systemd || die "cannot mount name=systemd"
  for h in $HIERARCHIES; do $BB mkdir -p $h/system.slice; done
}

# A fresh service cgroup (in every hierarchy) for the next test process; $1 is the slice.
make_service() {
  SERVICE=/$1/runbox.service
  for h in $HIERARCHIES; do $BB mkdir "$h$SERVICE" || return 1; done
}

# Checks nothing of the runs is left, then removes the service cgroup (deepest first).
# Prints the problems found, if any.
end_service() {
  local left procs h
  left=$($BB find $CG -name 'run-*' -type d 2>/dev/null)
  [ -n "$left" ] && echo "run cgroups left behind: $(echo $left)"
  procs=$($BB ps -o user,pid,args | $BB awk '$1 == "nobody" || $1 == "65534" { print $2 }')
  [ -n "$procs" ] && echo "sandbox processes (uid 65534) still running: $(echo $procs)"
  for h in $HIERARCHIES; do
    [ -d "$h$SERVICE" ] || continue
    for pid in $($BB find "$h$SERVICE" -name cgroup.procs -exec $BB cat {} \;); do
      echo "process $pid ($($BB cat /proc/$pid/comm 2>/dev/null)) still in $h$SERVICE"
      $BB kill -9 "$pid" 2>/dev/null
    done
    $BB find "$h$SERVICE" -depth -type d -exec $BB rmdir {} \; 2>/dev/null
    [ -d "$h$SERVICE" ] && echo "cannot remove $h$SERVICE"
  done
}

# Catch2 test specs treat , [ ] \ as syntax: escape them to select one test by its exact name.
catch_spec() { echo "$1" | $BB sed 's/[][,\\]/\\&/g'; }

# run_test PHASE NAME: one test in its own process, started in a fresh service cgroup.
run_test() {
  local phase=$1 name=$2 slice=system.slice spec rc start end secs problems
  [ "$LAYOUT" = v2 ] && [ "$phase" = refuse ] && slice=nomemory.slice
  spec=$(catch_spec "$name")
  report "begin $phase $name"
  echo "=== [$LAYOUT] $name ($phase) ===" > /dev/console
  if ! make_service $slice; then
    report "end fail 1 0 $name"
    report "why cannot create the service cgroup $SERVICE"
    return
  fi
  sharer=
  if [ "$phase" = shared ]; then
    # Another process in the service cgroup, before the test process enters it.
    $BB sh -c 'for h in $0; do echo 0 > "$h$1/cgroup.procs"; done; exec '$BB' sleep 100000' \
      "$HIERARCHIES" "$SERVICE" < /dev/null > /dev/null 2>&1 &
    sharer=$!
    $BB sleep 0.2
  fi
  start=$($BB cut -d' ' -f1 /proc/uptime)
  # The test process enters the service cgroup itself, as systemd would place runboxd, then
  # becomes the test binary; the timeout's watcher stays outside (in init.scope).
  export HIERARCHIES SERVICE
  if [ "$LAYOUT" = v1 ] && [ "$phase" = refuse ]; then
    # A v1 host whose memory hierarchy is not mounted: in a private mount namespace.
    set -- $BB unshare -m $BB sh -c "$BB umount $CG/memory && exec \"\$@\"" sh
  else
    set --
  fi
  $BB timeout -s KILL "$TEST_TIMEOUT" $BB sh -c '
    for h in $HIERARCHIES; do echo 0 > "$h$SERVICE/cgroup.procs" || exit 125; done
    exec "$@"' sh "$@" "$TEST_BINARY" "$spec" -w NoTests --use-colour no > /dev/console 2>&1 < /dev/null
  rc=$?
  end=$($BB cut -d' ' -f1 /proc/uptime)
  if [ -n "$sharer" ]; then $BB kill -9 "$sharer"; wait "$sharer" 2>/dev/null; fi
  problems=$(end_service)
  if [ -n "$problems" ] && [ $rc -eq 0 ]; then rc=126; fi
  secs=$($BB awk "BEGIN { printf \"%.1f\", $end - $start }")
  case $rc in
    0) report "end pass 0 $secs $name" ;;
    77) report "end skip 77 $secs $name" ;;
    *) report "end fail $rc $secs $name" ;;
  esac
  [ $rc -eq 137 ] && report "why killed after ${TEST_TIMEOUT}s (per-test timeout)"
  [ $rc -eq 125 ] && report "why could not enter the service cgroup"
  echo "$problems" | while read -r line; do [ -n "$line" ] && report "why $line"; done
  echo "=== [$LAYOUT] exit $rc: $name ===" > /dev/console
}

stage2() {
  . /run/guest/plan
  export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR=/tmp LANG=C.UTF-8
  export RUNBOX_GUEST_LAYOUT=$LAYOUT RUNBOX_GUEST_SERVICE=/system.slice/runbox.service
  [ -n "$ROOTFS_DIR" ] && export RUNBOX_ROOTFS_DIR=$ROOTFS_DIR
  $BB hostname "runbox-guest-$LAYOUT"
  [ -c /dev/ttyS1 ] && $BB stty -F /dev/ttyS1 raw -echo 2>/dev/null
  case $LAYOUT in
    v2) setup_v2 ;;
    v1) setup_v1 ;;
    *) die "unknown layout '$LAYOUT'" ;;
  esac
  report "layout $LAYOUT kernel $($BB uname -r) cpus $($BB nproc) mem_kb $($BB awk '/MemTotal/ { print $2 }' /proc/meminfo)"
  report "mounts $($BB awk '$3 ~ /cgroup/ { printf "%s:%s ", $2, $3 }' /proc/mounts)"
  [ -x "$TEST_BINARY" ] || die "the test binary $TEST_BINARY is not there (or not executable) in the guest"
  while read -r phase name; do
    case $phase in '' | '#'*) continue ;; esac
    run_test "$phase" "$name"
  done < /run/guest/tests
  # The whole suite left nothing either.
  left=$($BB find $CG -name 'run-*' -type d 2>/dev/null)
  [ -z "$left" ] || report "leftover $(echo $left)"
  report "done"
  $BB sync
  $BB poweroff -f
}

case "$1" in
  stage2) stage2 ;;
  *) stage1 ;;
esac
