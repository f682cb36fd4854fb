#!/usr/bin/env bash
# Prepares the runtime images: for each recipe runtimes/images/<image>.packages, builds a root
# filesystem tarball from Debian packages with mmdebstrap (cached under /var/cache/runbox/images/,
# keyed by a hash of the recipe and the build options), then
#   - with a Docker engine (the default; scripts/lib/docker.sh starts one): loads the tarball
#     into the engine as runbox/<image>:<key> (`docker import`, only when the engine does not
#     have that tag yet), tags it runbox/<image>:latest and runs
#     `runbox image pull --pull never runbox/<image>:latest --name <image>`, the same
#     pull-and-export path a production host uses, into /var/lib/runbox/rootfs/<image>/ (a no-op
#     when the rootfs already records that image id);
#   - without one (RUNBOX_DOCKER=0): imports the tarball with `runbox image import`.
# Idempotent: an image whose key matches its stamp file (<image>.imported, which also says how it
# was imported) is skipped after a check or two; the tarball is built only when needed.
#
# Environment:
#   RUNBOX_IMAGES="python gcc"   images to prepare (default: every recipe; "none": none)
#   RUNBOX_IMAGES_REBUILD=1      rebuild and re-import the selected images even if cached
#   RUNBOX_IMAGE_JOBS=N          mmdebstrap builds run at once (default 3: a build spends most of
#                                its time downloading and unpacking, not on the CPU)
#   RUNBOX_DOCKER=0              no Docker engine: import the tarballs directly
#
# The mirrors are the host's own apt sources (never a host name written here), the suite is the
# host's release.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RECIPES=$ROOT/runtimes/images
RUNBOX_CLI=${RUNBOX_CLI:-$ROOT/build/daemon/runbox}  # another build: RUNBOX_CLI=...
CACHE=/var/cache/runbox/images
# Bump when the way images are built changes (options, hooks): every image is rebuilt.
BUILDER_VERSION=runbox-images-1
# Rough cold build times on a 2-core machine (three at once), for the progress line only.
# Measured for the six recipes added with the 20 runtimes (RUNBOX_IMAGE_JOBS=3, cold cache):
# haskell 80 s, jvm 112 s, functional 114 s, native 123 s, r 93 s, node 74 s; the six built and
# imported in 238 s.
declare -A ESTIMATE=([python]=40 [gcc]=60 [go]=60 [java]=60 [node]=75 [rust]=80 [scripting]=60
                     [jvm]=110 [haskell]=80 [functional]=115 [native]=125 [r]=95)

log() { echo "[images] $*"; }
die() { echo "[images] error: $*" >&2; exit 1; }

((EUID == 0)) || die "must run as root (mmdebstrap, image import)"
[[ -x $RUNBOX_CLI ]] || die "$RUNBOX_CLI is missing: build first (scripts/lib/build.sh)"

# --- which images --------------------------------------------------------------------------
selection=${RUNBOX_IMAGES:-all}
[[ $selection == none ]] && { log "RUNBOX_IMAGES=none: skipping runtime images"; exit 0; }
images=()
if [[ $selection == all ]]; then
  # python first: it is the image most tests use.
  [[ -f $RECIPES/python.packages ]] && images+=(python)
  for f in "$RECIPES"/*.packages; do
    name=$(basename "$f" .packages)
    [[ $name == python ]] || images+=("$name")
  done
else
  for name in $selection; do
    [[ -f $RECIPES/$name.packages ]] || die "no recipe $RECIPES/$name.packages"
    images+=("$name")
  done
fi
((${#images[@]})) || die "no recipes in $RECIPES"

# --- suite and mirrors: the host's ---------------------------------------------------------
suite=$( . /etc/os-release && echo "${VERSION_CODENAME:-}")
suite=${suite:-bookworm}

mirrors=()
has_deb_line() { grep -Eq '^[[:space:]]*deb[[:space:]]' "$1"; }
# A deb822 file is enabled if one of its stanzas offers "deb" and is not "Enabled: no".
deb822_enabled() {
  awk 'BEGIN { RS = ""; FS = "\n"; found = 0 }
       { deb = 0; off = 0
         for (i = 1; i <= NF; i++) {
           line = tolower($i)
           if (line ~ /^types:/) {
             n = split(substr(line, 7), t, /[ \t]+/)
             for (j = 1; j <= n; j++) if (t[j] == "deb") deb = 1
           }
           if (line ~ /^enabled:[ \t]*(no|false|0)[ \t]*$/) off = 1
         }
         if (deb && !off) found = 1 }
       END { exit !found }' "$1"
}
if [[ -f /etc/apt/sources.list ]] && has_deb_line /etc/apt/sources.list; then
  mirrors+=(/etc/apt/sources.list)
fi
shopt -s nullglob
for f in /etc/apt/sources.list.d/*.list; do has_deb_line "$f" && mirrors+=("$f"); done
for f in /etc/apt/sources.list.d/*.sources; do deb822_enabled "$f" && mirrors+=("$f"); done
shopt -u nullglob
((${#mirrors[@]})) || die "the host has no enabled apt source (/etc/apt/sources.list{,.d/})"

# --- build options (part of every image's key) ---------------------------------------------
MMDEBSTRAP_OPTS=(
  --variant=minbase --mode=root --format=tar
  # Like Docker's slim images: no manuals or docs (copyrights kept). openjdk's postinst
  # registers alternatives for man pages, so the man1 directory must exist.
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/lintian/*'
  --essential-hook='mkdir -p "$1/usr/share/man/man1"'
  # Nothing of the build host in the image.
  --customize-hook='rm -f "$1/etc/resolv.conf"; echo runbox > "$1/etc/hostname"'
)

# mmdebstrap assembles each image in a temporary directory. dpkg syncs every file it unpacks,
# which costs 2-3x the build time on a VM disk: use the RAM disk when it has room (an image is
# at most ~1.4 GB while it is built (functional, haskell), three builds run at once).
if [[ -z ${TMPDIR:-} && -d /dev/shm && -w /dev/shm ]] \
     && (($(df -P -k /dev/shm | awk 'NR == 2 { print $4 }') > 6 * 1024 * 1024)); then
  export TMPDIR=/dev/shm
fi

recipe_packages() {  # the recipe's package names, comma-separated
  sed -e 's/#.*//' "$1" | tr -s ' \t\n' '\n' | sed '/^$/d' | paste -sd, -
}
recipe_key() {  # first 16 hex digits of sha256(recipe, options, mirrors, suite, builder)
  {
    echo "builder $BUILDER_VERSION"
    echo "suite $suite"
    printf 'option %s\n' "${MMDEBSTRAP_OPTS[@]}"
    printf 'mirror %s\n' "${mirrors[@]}"
    echo "recipe"
    cat "$1"
  } | sha256sum | cut -c1-16
}

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -n 9 || { log "another run holds $CACHE/.lock; waiting..."; flock 9; }

# --- through the Docker engine, or not -----------------------------------------------------
DOCKER_SOCK=/var/run/docker.sock
docker_api() {  # GET /v1.41/<path>: the body on stdout; fails on an error status
  curl -sf --max-time 30 --unix-socket "$DOCKER_SOCK" "http://docker/v1.41/$1"
}
image_id_of() {  # the engine's id of a reference, or nothing (never fails)
  { docker_api "images/$1/json" 2>/dev/null || true; } | sed -n 's/^{"Id":"\(sha256:[0-9a-f]*\)".*/\1/p'
}
via_docker=0
if [[ ${RUNBOX_DOCKER:-1} != 0 ]]; then
  command -v curl >/dev/null && command -v docker >/dev/null \
    || die "curl and the docker CLI are needed to load images into the engine (RUNBOX_DOCKER=0: without the engine)"
  [[ $(curl -s --max-time 5 --unix-socket "$DOCKER_SOCK" http://docker/_ping 2>/dev/null) == OK ]] \
    || die "no Docker engine answers on $DOCKER_SOCK (scripts/lib/docker.sh starts one; RUNBOX_DOCKER=0: without it)"
  via_docker=1
fi
# The stamp says how the rootfs was made: switching between the two ways re-imports.
stamp_of() { if ((via_docker)); then echo "$1 docker"; else echo "$1"; fi; }

# --- decide what to do ---------------------------------------------------------------------
declare -A KEY TARBALL
to_build=() to_import=()
for image in "${images[@]}"; do
  key=$(recipe_key "$RECIPES/$image.packages")
  KEY[$image]=$key
  TARBALL[$image]=$CACHE/$image-$key.tar
  stamp=$CACHE/$image.imported
  if [[ ${RUNBOX_IMAGES_REBUILD:-} != 1 && -f $stamp && $(<"$stamp") == "$(stamp_of "$key")" \
        && -d /var/lib/runbox/rootfs/$image ]]; then
    # Through docker the engine must still have the image the rootfs came from.
    if ((!via_docker)) || [[ -n $(image_id_of "runbox/$image:$key") ]]; then
      log "$image: up to date ($key)"
      continue
    fi
  fi
  # The tarball is needed unless the engine already has the image of this key.
  if [[ ${RUNBOX_IMAGES_REBUILD:-} == 1 ]] \
       || { [[ ! -f ${TARBALL[$image]} ]] && { ((!via_docker)) || [[ -z $(image_id_of "runbox/$image:$key") ]]; }; }; then
    to_build+=("$image")
  fi
  to_import+=("$image")
done
((${#to_import[@]})) || exit 0

# --- build (in parallel) and import (one at a time, as each build finishes) ----------------
build_one() {  # image key -> tarball; runs in a subshell, log in $CACHE/<image>.log
  local image=$1 key=$2
  local final=$CACHE/$image-$key.tar part=$CACHE/.$image-$key.tar.part
  local logf=$CACHE/$image.log start=$SECONDS
  rm -f "$part"
  # In its own process group, so that on Ctrl-C or a failure elsewhere the main script's TERM
  # reaches mmdebstrap and all its helpers (mmdebstrap alone would finish the build first).
  setsid mmdebstrap "${MMDEBSTRAP_OPTS[@]}" \
    --include="$(recipe_packages "$RECIPES/$image.packages")" \
    "$suite" "$part" "${mirrors[@]}" >"$logf" 2>&1 </dev/null &
  local mpid=$!
  trap 'kill -TERM -- -'"$mpid"' 2>/dev/null; wait '"$mpid"'; rm -f "'"$part"'"; exit 143' HUP INT TERM
  if ! wait "$mpid"; then
    rm -f "$part"
    echo "[images] error: building $image failed; the end of $logf:" >&2
    tail -n 25 "$logf" >&2
    return 1
  fi
  mv -f "$part" "$final"
  log "built $image in $((SECONDS - start)) s ($(du -m "$final" | cut -f1) MB)"
}

# The engine gets runbox/<image>:<key> (docker import of the tarball, once per key) and
# runbox/<image>:latest pointing at it; then the rootfs is pulled from the engine.
docker_load_and_pull() {
  local image=$1 key=$2 id latest tag
  id=$(image_id_of "runbox/$image:$key")
  if [[ -z $id || ${RUNBOX_IMAGES_REBUILD:-} == 1 ]]; then
    log "loading $image into the Docker engine as runbox/$image:$key (docker import)..."
    docker import --change "LABEL io.runbox.recipe=$key" "${TARBALL[$image]}" "runbox/$image:$key" >/dev/null
    id=$(image_id_of "runbox/$image:$key")
    [[ -n $id ]] || die "the engine does not list runbox/$image:$key after docker import"
  fi
  latest=$(image_id_of "runbox/$image:latest")
  [[ $latest == "$id" ]] || docker tag "runbox/$image:$key" "runbox/$image:latest"
  # Tags of older keys are not needed any more (a tag still used by a container stays).
  for tag in $(docker image ls "runbox/$image" --format '{{.Tag}}'); do
    [[ $tag =~ ^[0-9a-f]{16}$ && $tag != "$key" ]] && { docker rmi "runbox/$image:$tag" >/dev/null 2>&1 || true; }
  done
  # --pull never: runbox/<image> is a local name; a registry must never be asked for it.
  "$RUNBOX_CLI" image pull --pull never --label "recipe=$key" --name "$image" "runbox/$image:latest"
}

import_one() {
  local image=$1 key=${KEY[$1]} start=$SECONDS
  if ((via_docker)); then
    docker_load_and_pull "$image" "$key"
  else
    log "importing $image into /var/lib/runbox/rootfs/$image..."
    "$RUNBOX_CLI" image import --label "recipe=$key" "${TARBALL[$image]}" "$image"
  fi
  stamp_of "$key" >"$CACHE/.$image.imported.tmp"
  mv -f "$CACHE/.$image.imported.tmp" "$CACHE/$image.imported"
  # Older tarballs of this image (other keys) are not needed any more.
  local f
  for f in "$CACHE/$image"-*.tar; do
    [[ $f =~ /$image-[0-9a-f]{16}\.tar$ && $f != "${TARBALL[$image]}" ]] && rm -f "$f"
  done
  log "imported $image in $((SECONDS - start)) s"
}

jobs_max=${RUNBOX_IMAGE_JOBS:-3}
declare -A PID_IMAGE
running=0 failed=()
cleanup() {
  local pid
  for pid in "${!PID_IMAGE[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$CACHE"/.*.tar.part
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

total_start=$SECONDS
importable=()
for image in "${to_import[@]}"; do
  [[ " ${to_build[*]} " == *" $image "* ]] || importable+=("$image")
done
queue=("${to_build[@]}")

# Starts builds up to the job limit; waits for one to finish and imports what is ready.
while ((${#queue[@]} || running || ${#importable[@]})); do
  while ((${#queue[@]} && running < jobs_max)); do
    image=${queue[0]} queue=("${queue[@]:1}")
    log "building $image (mmdebstrap, ~${ESTIMATE[$image]:-60} s)..."
    build_one "$image" "${KEY[$image]}" &
    PID_IMAGE[$!]=$image
    running=$((running + 1))
  done
  if ((${#importable[@]})); then
    import_one "${importable[0]}"
    importable=("${importable[@]:1}")
    continue
  fi
  # Poll (bash's `wait -n` misses jobs that ended while an import ran).
  finished=
  while ((running)) && [[ -z $finished ]]; do
    for pid in "${!PID_IMAGE[@]}"; do
      kill -0 "$pid" 2>/dev/null || { finished=$pid; break; }
    done
    [[ -n $finished ]] || sleep 1
  done
  if [[ -n $finished ]]; then
    status=0
    wait "$finished" || status=$?
    image=${PID_IMAGE[$finished]}
    unset "PID_IMAGE[$finished]"
    running=$((running - 1))
    if ((status == 0)); then importable+=("$image"); else failed+=("$image"); fi
  fi
done
trap - EXIT HUP INT TERM

((${#failed[@]} == 0)) || die "could not build: ${failed[*]}"
log "done in $((SECONDS - total_start)) s"
