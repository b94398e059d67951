#!/usr/bin/env bash
# Cold-build peak memory of one app, plain `go build` against `autotel go build`: each build runs
# in its own session with an empty GOCACHE (and an empty autotel cache), sampled every 100 ms;
# printed per build: wall time, the peak of the session's total RSS (what the machine must hold
# at once) and the largest single process with the package it compiled.
# usage: bench/cold-peak-rss.sh APP_DIR PACKAGES    e.g. bench/cold-peak-rss.sh testdata/apps/sample ./cmd/...
# Needs target/debug/autotel (cargo build -p autotel). Results: bench/cold-peak-rss.md.
set -euo pipefail
app=$1 packages=$2
autotel=$(cd "$(dirname "$0")/.." && pwd)/target/debug/autotel
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

measure() { # NAME COMMAND...
  local name=$1; shift
  mkdir -p "$scratch/$name/out"
  # setsid's child leads a session of its own: the build and nothing else.
  (cd "$app" && GOCACHE="$scratch/$name/gocache" XDG_CACHE_HOME="$scratch/$name/xdg" \
    exec setsid "$@" -o "$scratch/$name/out/" $packages >"$scratch/$name/log" 2>&1) &
  local pid=$! start=$SECONDS peak_total=0 peak_one=0 peak_what="" own_sid
  own_sid=$(ps -o sid= -p $$ | tr -d ' ')
  while kill -0 $pid 2>/dev/null; do
    local sid total one what
    sid=$(ps -o sid= -p $pid 2>/dev/null | tr -d ' ') || true
    if [ -n "$sid" ] && [ "$sid" != "$own_sid" ]; then
      read -r total one what < <(ps -o rss=,args= -s "$sid" 2>/dev/null | awk '
        { t += $1; if ($1 > m) { m = $1; w = $2; for (i = 3; i <= NF; i++) if ($i == "-p") w = w " " $(i+1) } }
        END { printf "%d %d %s\n", t, m, w }')
      [ "${total:-0}" -gt $peak_total ] && peak_total=$total
      if [ "${one:-0}" -gt $peak_one ]; then peak_one=$one; peak_what=$what; fi
    fi
    sleep 0.1
  done
  wait $pid || { echo "$name failed:"; cat "$scratch/$name/log"; exit 1; }
  printf '%-8s %4ds  peak total %5d MiB  largest process %5d MiB (%s)\n' \
    "$name" $((SECONDS - start)) $((peak_total / 1024)) $((peak_one / 1024)) "${peak_what##*/}"
}

echo "$app $packages ($(go version | cut -d' ' -f3), $(nproc) cores)"
measure plain go build
measure autotel "$autotel" go build
