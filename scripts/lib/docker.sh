#!/usr/bin/env bash
# Makes a Docker engine answer on /var/run/docker.sock for `runbox image pull` and the docker
# backend, with gVisor registered. Idempotent, and fast when nothing is to do:
#   - registers runsc in /etc/docker/daemon.json, merged into what is there:
#       {"runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none", "--oci-seccomp"]}}}
#     (without --network=none a `NetworkMode: none` container fails under runsc; without
#     --oci-seccomp runsc ignores the seccomp profile runbox sends with each container);
#   - when no engine answers, starts `dockerd --iptables=false --ip-forward=false --bridge=none`
#     in the background (log: /var/log/runbox-dockerd.log, pid: /run/runbox-dockerd.pid) and
#     waits until /_ping answers; fails loudly after 60 s;
#   - an engine this script started is restarted when daemon.json changed; any other engine is
#     left running as it is (a systemd-managed one is reloaded, which re-reads the runtimes).
# Environment: RUNBOX_DOCKER=0 does nothing (no engine: the images come from their tarballs).
set -euo pipefail

SOCK=/var/run/docker.sock
LOG=/var/log/runbox-dockerd.log
PIDFILE=/run/runbox-dockerd.pid
DAEMON_JSON=/etc/docker/daemon.json
START_TIMEOUT=60

log() { echo "[docker] $*"; }
die() { echo "[docker] error: $*" >&2; exit 1; }

[[ ${RUNBOX_DOCKER:-1} == 0 ]] && { log "RUNBOX_DOCKER=0: no Docker engine"; exit 0; }
((EUID == 0)) || die "must run as root (starts dockerd, writes $DAEMON_JSON)"
command -v dockerd >/dev/null || die "dockerd is not installed (package docker.io: scripts/lib/deps.sh installs it)"
command -v curl >/dev/null || die "curl is not installed (scripts/lib/deps.sh installs it)"

engine_answers() {
  [[ $(curl -s --max-time 5 --unix-socket "$SOCK" http://docker/_ping 2>/dev/null) == OK ]]
}

# The pid of the dockerd this script started, if it still runs.
our_dockerd() {
  local pid
  [[ -f $PIDFILE ]] || return 1
  pid=$(<"$PIDFILE")
  [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] || return 1
  echo "$pid"
}

# Adds or fixes runtimes.runsc, keeping every other setting; prints "changed" if it wrote.
register_runsc() {
  mkdir -p "$(dirname "$DAEMON_JSON")"
  perl -MJSON::PP -e '
    my ($file) = @ARGV;
    my $json = JSON::PP->new->canonical->pretty;
    my $cfg = {};
    if (-e $file) {
      open my $in, "<", $file or die "cannot read $file: $!\n";
      my $text = do { local $/; <$in> };
      $cfg = $text =~ /\S/ ? eval { $json->decode($text) } : {};
      die "$file is not valid JSON: $@" if $@;
      die "$file is not a JSON object\n" unless ref $cfg eq "HASH";
    }
    my $want = { path => "/usr/bin/runsc", runtimeArgs => ["--network=none", "--oci-seccomp"] };
    my $have = $cfg->{runtimes} && $cfg->{runtimes}{runsc};
    exit 0 if $have && $json->encode($have) eq $json->encode($want);
    $cfg->{runtimes}{runsc} = $want;
    open my $out, ">", "$file.tmp" or die "cannot write $file.tmp: $!\n";
    print $out $json->encode($cfg);
    close $out or die "cannot write $file.tmp: $!\n";
    rename "$file.tmp", $file or die "cannot rename $file.tmp: $!\n";
    print "changed\n";
  ' "$DAEMON_JSON"
}

start_dockerd() {
  log "no engine answers on $SOCK: starting dockerd --iptables=false --ip-forward=false --bridge=none (log: $LOG)..."
  # Its own session: it outlives this script and never gets the terminal's signals.
  setsid dockerd --iptables=false --ip-forward=false --bridge=none >>"$LOG" 2>&1 </dev/null &
  local pid=$! start=$SECONDS
  echo "$pid" >"$PIDFILE"
  while ((SECONDS - start < START_TIMEOUT)); do
    if engine_answers; then
      log "dockerd (pid $pid) answers after $((SECONDS - start)) s"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "[docker] the end of $LOG:" >&2
      tail -n 25 "$LOG" >&2
      die "dockerd exited before answering on $SOCK (see $LOG)"
    fi
    sleep 0.5
  done
  echo "[docker] the end of $LOG:" >&2
  tail -n 25 "$LOG" >&2
  die "dockerd (pid $pid) did not answer on $SOCK within $START_TIMEOUT s (see $LOG)"
}

stop_our_dockerd() {
  local pid=$1 i
  log "restarting the dockerd this script started (pid $pid) so that it reads $DAEMON_JSON..."
  kill -TERM "$pid"
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  die "dockerd (pid $pid) did not stop within 30 s"
}

changed=$(register_runsc) || die "cannot register runsc in $DAEMON_JSON"
[[ -n $changed ]] && log "registered runsc in $DAEMON_JSON"

if engine_answers; then
  if [[ -n $changed ]]; then
    if pid=$(our_dockerd); then
      stop_our_dockerd "$pid"
      start_dockerd
    elif command -v systemctl >/dev/null && systemctl is-active --quiet docker 2>/dev/null; then
      log "reloading docker.service so that it reads $DAEMON_JSON"
      systemctl reload docker
    else
      log "warning: the running engine was not started here; reload it (SIGHUP to dockerd) so that it knows runsc"
    fi
  fi
else
  start_dockerd
fi

if curl -s --max-time 10 --unix-socket "$SOCK" http://docker/v1.41/info | grep -q '"runsc"'; then
  log "engine ready on $SOCK (runtimes include runsc)"
else
  log "warning: the engine on $SOCK has no runsc runtime: the gVisor tier will be unavailable"
fi
