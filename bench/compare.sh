#!/usr/bin/env bash
# Measures `jupyflux render` against `kustomize build` of the tree it renders (issue #8), in one run.
#
#   bench/compare.sh                    # RUNS=5 HUBS=50 SIZES="100 1000 10000"
#   RUNS=9 SIZES="100 1000" bench/compare.sh
#
# For each fleet size (examples/fleet.rs, HUBS hubs + N notebooks, environments staging and production):
#   render (cold)      `jupyflux render` into an empty output (every file created, the old output moved away)
#   render (no-op)     `jupyflux render` again with the output up to date (the pre-commit case)
#   kustomize build    `kustomize build generated/<env>/<layer>` for every Flux Kustomization path of every
#                      environment (what Flux builds), one after the other; the time is the sum
# and `jupyflux render --check` on the shipped example. Each case runs RUNS times; the median wall time and the
# highest peak RSS (`/usr/bin/time -v`, the largest single process for kustomize) are reported. Every run starts
# after `sync` (untimed), so no run pays for the previous one's writeback. kustomize 4.5.4
# grows quadratically with the resources of a directory: a kustomize case that takes longer than KUSTOMIZE_SLOW
# seconds (30) is not repeated, and one that takes longer than KUSTOMIZE_BUDGET seconds (600) is stopped and
# reported as "> budget", making its ratio an upper bound.
# Needs: cargo, kustomize 4.5.4 ($KUSTOMIZE, else installed by .ci/install-tools.sh), GNU time (installed with
# apt-get when missing and running as root). Exits 1 when a target of issue #8 is missed.
set -euo pipefail

RUNS=${RUNS:-5}
HUBS=${HUBS:-50}
KUSTOMIZE_SLOW=${KUSTOMIZE_SLOW:-30}
KUSTOMIZE_BUDGET=${KUSTOMIZE_BUDGET:-600}
SIZES=${SIZES:-"100 1000 10000"}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq time >&2
  else
    echo "compare.sh: GNU time (/usr/bin/time) is required: apt-get install time" >&2
    exit 1
  fi
fi
KUSTOMIZE=${KUSTOMIZE:-$(.ci/install-tools.sh)}
echo "building release binaries..." >&2
cargo build --release --quiet --bin jupyflux --example fleet
target=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
jupyflux="$target/release/jupyflux"
fleet="$target/release/examples/fleet"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure PREPARE COMMAND...: run PREPARE (untimed) then COMMAND, RUNS times; sets MEDIAN_US and RSS_KIB.
measure() {
  local prepare=$1
  shift
  local times=() rss=0 i start end kib
  for ((i = 0; i < RUNS; i++)); do
    eval "$prepare"
    start=$(date +%s%N)
    /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
      cat "$work/stderr.txt" >&2
      echo "compare.sh: failed: $*" >&2
      exit 1
    }
    end=$(date +%s%N)
    times+=($(((end - start) / 1000)))
    kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
    ((kib > rss)) && rss=$kib
  done
  MEDIAN_US=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
  RSS_KIB=$rss
}

# measure_kustomize ROOT: like measure, for kustomize_all; stops after the first run when it took longer than
# KUSTOMIZE_SLOW seconds, and gives up on a run after KUSTOMIZE_BUDGET seconds (sets K_TIMED_OUT=1 and reports
# the budget as the time, so the ratio is an upper bound).
measure_kustomize() {
  local root=$1 times=() rss=0 i start end kib status
  K_TIMED_OUT=0
  for ((i = 0; i < RUNS; i++)); do
    sync
    start=$(date +%s%N)
    status=0
    /usr/bin/time -v -o "$work/time.txt" timeout "$KUSTOMIZE_BUDGET" bash -c 'kustomize_all "$0"' "$root" \
      >/dev/null 2>"$work/stderr.txt" || status=$?
    end=$(date +%s%N)
    kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
    ((kib > rss)) && rss=$kib
    if [ "$status" = 124 ]; then
      K_TIMED_OUT=1 MEDIAN_US=$((KUSTOMIZE_BUDGET * 1000000)) RSS_KIB=$rss K_RUNS=1
      return
    elif [ "$status" != 0 ]; then
      cat "$work/stderr.txt" >&2
      echo "compare.sh: kustomize build failed under $root" >&2
      exit 1
    fi
    times+=($(((end - start) / 1000)))
    (((end - start) / 1000000000 > KUSTOMIZE_SLOW)) && break
  done
  K_RUNS=${#times[@]}
  MEDIAN_US=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((K_RUNS + 1) / 2))p")
  RSS_KIB=$rss
}

# kustomize_all ROOT: `kustomize build` of every Flux Kustomization path (./generated/<env>/<layer>).
kustomize_all() {
  local root=$1 path
  for path in $(sed -n 's|^  path: \./||p' "$root"/flux/*/kustomization-*.yaml | sort); do
    "$KUSTOMIZE" build "$root/$path" >/dev/null
  done
}
export -f kustomize_all
export KUSTOMIZE

ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
row() { printf '| %-52s | %10s | %8s | %-28s |\n' "$@"; }

failed=0
verdict() { # verdict CONDITION: sets V to PASS or FAIL (and remembers a failure; not in a subshell)
  if awk "BEGIN { exit !($1) }"; then V=PASS; else V=FAIL failed=1; fi
}

echo "runs per case: $RUNS (median wall time, highest peak RSS); $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
row "case" "median ms" "RSS MiB" "ratio / target"
row "----------------------------------------------------" "----------" "--------" "----------------------------"
declare -A cold noop
for n in $SIZES; do
  dir="$work/fleet-$n"
  "$fleet" --hubs "$HUBS" --notebooks "$n" --out "$dir"
  # The previous output is moved away, not deleted: ext4 finishes large deletions lazily and would bill them to
  # the next run.
  measure "mkdir -p '$work/old'; mv '$dir/generated' '$dir/flux' \"\$(mktemp -d -p '$work/old')\" 2>/dev/null || true; sync" \
    "$jupyflux" render --quiet --root "$dir"
  cold[$n]=$MEDIAN_US
  files=$(find "$dir/generated" "$dir/flux" -type f | wc -l)
  verdict "$RSS_KIB <= 100 * 1024 || $n < 10000"
  row "render $HUBS hubs + $n notebooks, cold ($files files)" "$(ms "$MEDIAN_US")" "$(mib "$RSS_KIB")" \
    "RSS $V (≤ 100 MiB)"
  # One untimed no-op first: the timed ones measure the steady pre-commit case, not the read-back of files the
  # cold runs just wrote (their writeback competes with it).
  "$jupyflux" render --quiet --root "$dir"
  measure sync "$jupyflux" render --quiet --root "$dir"
  row "render $HUBS hubs + $n notebooks, no-op" "$(ms "$MEDIAN_US")" "$(mib "$RSS_KIB")" ""
  noop[$n]=$MEDIAN_US
  measure_kustomize "$dir"
  layers=$(ls "$dir"/flux/*/kustomization-*.yaml | wc -l)
  if [ "$K_TIMED_OUT" = 1 ]; then
    row "kustomize build, $layers layer dirs (1 run, stopped)" "> $((KUSTOMIZE_BUDGET * 1000))" \
      "≥ $(mib "$RSS_KIB")" "unfinished after ${KUSTOMIZE_BUDGET} s"
    bound="<"
  else
    row "kustomize build, $layers layer dirs ($K_RUNS run(s))" "$(ms "$MEDIAN_US")" "$(mib "$RSS_KIB")" ""
    bound=""
  fi
  r=$(ratio "${cold[$n]}" "$MEDIAN_US")
  verdict "$r <= 0.25 || $n < 10000"
  row "  ratio render cold / kustomize" "" "" "$bound$r $V (≤ 0.25 at 10k)"
  row "  ratio render no-op / kustomize" "" "" "$bound$(ratio "${noop[$n]}" "$MEDIAN_US")"
done
sizes=($SIZES)
for ((i = 1; i < ${#sizes[@]}; i++)); do
  a=${sizes[$((i - 1))]} b=${sizes[$i]}
  bound=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", 1.1 * b / a }')
  for mode in cold noop; do
    declare -n by_size=$mode
    r=$(ratio "${by_size[$b]}" "${by_size[$a]}")
    verdict "$r <= $bound"
    row "growth render $mode $a → $b notebooks" "" "" "${r}× $V (≤ ${bound}×)"
    unset -n by_size
  done
done
example="$work/example"
mkdir -p "$example"
cp -r overlays generated flux "$example/"
measure sync "$jupyflux" render --check --quiet --root "$example"
verdict "$MEDIAN_US <= 20000"
row "render --check, shipped example" "$(ms "$MEDIAN_US")" "$(mib "$RSS_KIB")" \
  "$V (≤ 20 ms)"
exit "$failed"
