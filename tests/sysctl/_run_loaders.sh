#!/usr/bin/env bash
# Runs the real boot loaders, procps `sysctl --system` and systemd-sysctl,
# over configuration trees, and prints the keepalive values each leaves.
# Must run as root inside private mount and network namespaces (`unshare -m
# -n --propagation private`): it mounts the loaders and their libraries into
# a chroot, copies each tree into it, sets the keepalive values back to the
# kernel defaults (what a new network namespace starts with) and runs each
# loader there. Nothing outside the chroot and the namespace is written.
#
# Usage: _run_loaders.sh CHROOT MANIFEST
#   MANIFEST lines: ID <tab> MODE <tab> TREE [<tab> FILE]
#   MODE "system": `sysctl --system` and `systemd-sysctl` (all files);
#   MODE "file": `sysctl -p FILE` and `systemd-sysctl FILE` (that file only).
# Output lines: ID <tab> procps|systemd <tab> TIME INTVL PROBES
set -euo pipefail

chroot_dir="$1"
manifest="$2"

[ "$(id -u)" = 0 ] || { echo "_run_loaders.sh: needs root" >&2; exit 1; }
# Refuse to mount into the host's mount namespace or to set the host
# namespace's values.
for ns in mnt net; do
  if [ "$(readlink /proc/self/ns/$ns)" = "$(readlink /proc/1/ns/$ns)" ]; then
    echo "_run_loaders.sh: run it under unshare -m -n --propagation private" >&2
    exit 1
  fi
done

libs=/usr/lib/x86_64-linux-gnu
[ -d "$libs" ] || libs="$(dirname "$(readlink -f "$(command -v sysctl)")")/../lib"
ld="$(readlink -f /lib64/ld-linux-x86-64.so.2)"
procps="$(readlink -f "$(command -v sysctl)")"
systemd="$(readlink -f /lib/systemd/systemd-sysctl)"

mkdir -p "$chroot_dir"/{usr/lib/x86_64-linux-gnu,lib64,opt/loaders,proc,dev}
touch "$chroot_dir/lib64/ld-linux-x86-64.so.2" "$chroot_dir/opt/loaders/sysctl" \
  "$chroot_dir/opt/loaders/systemd-sysctl" "$chroot_dir/dev/null"
mount --bind -o ro "$libs" "$chroot_dir/usr/lib/x86_64-linux-gnu"
mount --bind -o ro "$ld" "$chroot_dir/lib64/ld-linux-x86-64.so.2"
mount --bind -o ro "$procps" "$chroot_dir/opt/loaders/sysctl"
mount --bind -o ro "$systemd" "$chroot_dir/opt/loaders/systemd-sysctl"
mount --bind /dev/null "$chroot_dir/dev/null"
mount -t proc proc "$chroot_dir/proc"

# Everything but the mounts above belongs to the previous tree.
clear_tree() {
  local entry stale=()
  shopt -s dotglob nullglob
  for entry in "$chroot_dir"/*; do
    case "${entry##*/}" in usr | lib64 | opt | proc | dev) ;; *) stale+=("$entry") ;; esac
  done
  for entry in "$chroot_dir"/usr/*; do
    [ "${entry##*/}" = lib ] || stale+=("$entry")
  done
  for entry in "$chroot_dir"/usr/lib/*; do
    [ "${entry##*/}" = x86_64-linux-gnu ] || stale+=("$entry")
  done
  shopt -u dotglob nullglob
  if [ ${#stale[@]} -gt 0 ]; then rm -rf -- "${stale[@]}"; fi
}

ipv4=/proc/sys/net/ipv4
# Runs one loader from the kernel defaults and prints what it leaves.
run_loader() {
  local time intvl probes
  echo 7200 >$ipv4/tcp_keepalive_time
  echo 75 >$ipv4/tcp_keepalive_intvl
  echo 9 >$ipv4/tcp_keepalive_probes
  chroot "$chroot_dir" "$@" >/dev/null 2>&1 || true
  read -r time <$ipv4/tcp_keepalive_time
  read -r intvl <$ipv4/tcp_keepalive_intvl
  read -r probes <$ipv4/tcp_keepalive_probes
  echo "$time $intvl $probes"
}

while IFS=$'\t' read -r id mode tree file; do
  clear_tree
  cp -a "$tree"/. "$chroot_dir"/
  if [ "$mode" = system ]; then
    procps_args=(--system)
    systemd_args=()
  else
    procps_args=(-p "$file")
    systemd_args=("$file")
  fi
  printf '%s\tprocps\t' "$id"
  run_loader /opt/loaders/sysctl "${procps_args[@]}"
  printf '%s\tsystemd\t' "$id"
  run_loader /opt/loaders/systemd-sysctl "${systemd_args[@]}"
done <"$manifest"
