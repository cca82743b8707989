#!/bin/bash
# What a fresh clone's first server run downloads: clones REV of this
# repository into a temporary directory, runs `deno run -A server/main.ts`
# there with an empty DENO_DIR until its listening line, and prints the
# seconds, the bytes the machine received meanwhile (every interface but
# lo, from /proc/net/dev: other traffic counts too, so run it on a quiet
# machine), the npm packages fetched and the size of node_modules.
#
#   bash bench/fresh_clone.sh [REV ...]     (default: HEAD)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
received() { awk 'NR > 2 && $1 != "lo:" { s += $2 } END { print s }' /proc/net/dev; }
port=$(deno eval 'const l = Deno.listen({ hostname: "127.0.0.1", port: 0 }); console.log(l.addr.port); l.close();')
for rev in "${@:-HEAD}"; do
  dir=$(mktemp -d /tmp/lifeline_fresh.XXXXXX)
  git clone -q "$repo" "$dir/repo"
  git -C "$dir/repo" checkout -q "$rev"
  export DENO_DIR="$dir/deno_dir"
  before=$(received)
  start=$(date +%s.%N)
  (cd "$dir/repo" && exec deno run -A server/main.ts --port "$port") > "$dir/out" 2>&1 &
  pid=$!
  until grep -q -i "listening" "$dir/out"; do
    if ! kill -0 "$pid" 2>/dev/null; then cat "$dir/out" >&2; exit 1; fi
    sleep 0.05
  done
  end=$(date +%s.%N)
  after=$(received)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  packages=$(find "$dir/repo/node_modules/.deno" -mindepth 1 -maxdepth 1 -type d ! -name node_modules 2>/dev/null | wc -l)
  modules=$(du -sb "$dir/repo/node_modules" 2>/dev/null | cut -f1 || echo 0)
  printf '%s: listening after %.2f s, %d bytes received, %d npm packages, node_modules %d bytes\n' \
    "$rev" "$(echo "$end - $start" | bc)" "$((after - before))" "$packages" "${modules:-0}"
  rm -rf "$dir"
done
