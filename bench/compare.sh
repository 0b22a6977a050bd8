#!/usr/bin/env bash
# Measures `jupyflux render`, `render --check` and `validate` against the read-everything bound and against
# kustomize v5 building what jupyflux rendered (issue #16), in one run.
#
#   bench/compare.sh                    # RUNS=5 HUBS=50 SIZES="1000 10000"
#   RUNS=9 SIZES="100 1000" bench/compare.sh
#
# For each fleet size (examples/fleet, HUBS hubs + N notebooks, 100 per namespace, environments staging and
# production):
#   read bound        `find DIR -type f -print0 | xargs -0 cat >/dev/null` over the fleet (overlays/, generated/,
#                     flux/): the time to read every input and output file once, from the page cache
#   render (cold)     `jupyflux render` into an empty output (every file created, the old output moved away)
#   render (no-op)    `jupyflux render` with the output up to date (the pre-commit case)
#   render --check    `jupyflux render --check` with the output up to date
#   validate          `jupyflux validate`
#   kustomize v5      `kustomize build` of every Flux Kustomization path (`spec.path` of flux/<env>/*), one after the
#                     other, once each: the sum, the slowest path and its objects
#   objects per path  the most objects (files but kustomization.yaml) any Flux Kustomization path holds
# and `jupyflux render --check` on the shipped example. The read bound, no-op render, check and validate runs are
# interleaved (one of each per round, RUNS rounds), so machine noise hits them alike. Each case reports the median
# wall time and the highest peak RSS (`/usr/bin/time -v`). Every run starts after `sync` (untimed).
#
# kustomize v5 is what Flux's kustomize-controller embeds: `$KUSTOMIZE` (a kustomize v5 binary), else
# `kubectl kustomize`. `KUSTOMIZE_454=/path/to/kustomize-4.5.4` adds the same builds with 4.5.4 (optional; each
# build stopped after KUSTOMIZE_BUDGET seconds, 120).
# Needs: cargo, kustomize v5, GNU time (installed with apt-get when missing and running as root).
# Exits 1 when a target of issue #16 (or one kept from #8) is missed.
set -euo pipefail

RUNS=${RUNS:-5}
HUBS=${HUBS:-50}
SIZES=${SIZES:-"1000 10000"}
KUSTOMIZE_BUDGET=${KUSTOMIZE_BUDGET:-120}
MAX_OBJECTS=500
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
if [ -n "${KUSTOMIZE:-}" ]; then
  kustomize=("$KUSTOMIZE" build)
  kversion=$("$KUSTOMIZE" version 2>/dev/null | head -1)
else
  kustomize=(kubectl kustomize)
  kversion=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p')
fi
case "$kversion" in
  v5*) ;;
  *) echo "compare.sh: kustomize v5 is required (KUSTOMIZE=/path/to/kustomize, or kubectl ≥ 1.27); found '$kversion'" >&2; exit 1 ;;
esac
echo "building release binaries..." >&2
cargo build --release --quiet --bin jupyflux --example fleet
target=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
jupyflux="$target/release/jupyflux"
fleet="$target/release/examples/fleet"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run_timed NAME COMMAND...: one timed run; appends the wall time (µs) to $work/NAME.times and its peak RSS (KiB)
# to $work/NAME.rss.
run_timed() {
  local name=$1 start end
  shift
  sync
  start=$(date +%s%N)
  /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
    cat "$work/stderr.txt" >&2
    echo "compare.sh: failed: $*" >&2
    exit 1
  }
  end=$(date +%s%N)
  echo $(((end - start) / 1000)) >>"$work/$name.times"
  sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt" >>"$work/$name.rss"
}

# stats NAME: sets MEDIAN_US and RSS_KIB from the runs of NAME.
stats() {
  local n
  n=$(wc -l <"$work/$1.times")
  MEDIAN_US=$(sort -n "$work/$1.times" | sed -n "$(((n + 1) / 2))p")
  RSS_KIB=$(sort -n "$work/$1.rss" | tail -1)
}

read_all() { find "$1" -type f -print0 | xargs -0 cat >/dev/null; }
export -f read_all

ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
row() { printf '| %-58s | %10s | %8s | %-30s |\n' "$@"; }

failed=0
verdict() { # verdict CONDITION: sets V to PASS or FAIL (and remembers a failure; not in a subshell)
  if awk "BEGIN { exit !($1) }"; then V=PASS; else V=FAIL failed=1; fi
}

# kustomize_paths ROOT: every Flux Kustomization path (generated/<env>/...) of the fleet, sorted.
kustomize_paths() {
  sed -n 's|^  path: \./||p' "$1"/flux/*/kustomization-*.yaml | sort
}

# objects PATH: the objects a Flux Kustomization path builds (one a file; not kustomization.yaml, not previews).
objects() {
  find "$1" -type f -name '*.yaml' ! -name kustomization.yaml ! -path '*.preview/*' | wc -l
}

echo "runs per case: $RUNS (median wall time, highest peak RSS); $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); kustomize $kversion ($(echo "${kustomize[@]}"))"
row "case" "median ms" "RSS MiB" "ratio / target"
row "----------------------------------------------------------" "----------" "--------" "------------------------------"
declare -A cold noop check validate readb
sizes=($SIZES)
largest=${sizes[$((${#sizes[@]} - 1))]}
for n in $SIZES; do
  dir="$work/fleet-$n"
  "$fleet" --hubs "$HUBS" --notebooks "$n" --out "$dir"
  # Cold: the previous output is moved away, not deleted (ext4 finishes large deletions lazily and would bill
  # them to the next run).
  for ((i = 0; i < RUNS; i++)); do
    mkdir -p "$work/old"
    mv "$dir/generated" "$dir/flux" "$(mktemp -d -p "$work/old")" 2>/dev/null || true
    run_timed "cold-$n" "$jupyflux" render --quiet --root "$dir"
  done
  # (the moved outputs are deleted at exit: deleting them now would bill the deletion to the runs below)
  stats "cold-$n"
  cold[$n]=$MEDIAN_US
  files=$(find "$dir" -type f | wc -l)
  verdict "$RSS_KIB <= 100 * 1024 || $n < 10000"
  row "render $HUBS hubs + $n notebooks, cold ($files files in all)" "$(ms "$MEDIAN_US")" "$(mib "$RSS_KIB")" \
    "RSS $V (≤ 100 MiB at 10k)"
  # One untimed no-op first (its read-back competes with the writeback of the cold runs), then rounds of
  # read bound, no-op render, check, validate.
  "$jupyflux" render --quiet --root "$dir"
  for ((i = 0; i < RUNS; i++)); do
    run_timed "read-$n" bash -c 'read_all "$0"' "$dir"
    run_timed "noop-$n" "$jupyflux" render --quiet --root "$dir"
    run_timed "check-$n" "$jupyflux" render --check --quiet --root "$dir"
    run_timed "validate-$n" "$jupyflux" validate --root "$dir"
  done
  stats "read-$n"
  readb[$n]=$MEDIAN_US
  row "read bound: cat every file of the fleet" "$(ms "$MEDIAN_US")" "" ""
  stats "noop-$n"
  noop[$n]=$MEDIAN_US
  r=$(ratio "$MEDIAN_US" "${readb[$n]}")
  verdict "($r <= 2 && $RSS_KIB <= 100 * 1024) || $n < 10000"
  row "render, no-op" "$(ms "$MEDIAN_US")" "$(mib "$RSS_KIB")" "${r}× read $V (≤ 2× at 10k)"
  stats "check-$n"
  check[$n]=$MEDIAN_US
  r=$(ratio "$MEDIAN_US" "${readb[$n]}")
  verdict "$r <= 2 || $n < 10000"
  row "render --check" "$(ms "$MEDIAN_US")" "$(mib "$RSS_KIB")" "${r}× read $V (≤ 2× at 10k)"
  stats "validate-$n"
  validate[$n]=$MEDIAN_US
  r=$(ratio "$MEDIAN_US" "${noop[$n]}")
  verdict "($r <= 1.5 && $RSS_KIB <= 150 * 1024) || $n < 10000"
  row "validate" "$(ms "$MEDIAN_US")" "$(mib "$RSS_KIB")" "${r}× no-op $V (≤ 1.5×, 150 MiB)"

  # kustomize v5 over every Flux path, once each.
  : >"$work/paths-$n.txt"
  krss=0
  for path in $(kustomize_paths "$dir"); do
    start=$(date +%s%N)
    /usr/bin/time -f %M -o "$work/time.txt" "${kustomize[@]}" "$dir/$path" >/dev/null 2>"$work/stderr.txt" || {
      cat "$work/stderr.txt" >&2
      echo "compare.sh: kustomize build failed: $path" >&2
      exit 1
    }
    end=$(date +%s%N)
    kib=$(tail -1 "$work/time.txt")
    ((kib > krss)) && krss=$kib
    echo "$(((end - start) / 1000)) $(objects "$dir/$path") $path" >>"$work/paths-$n.txt"
  done
  count=$(wc -l <"$work/paths-$n.txt")
  sum=$(awk '{ s += $1 } END { print s }' "$work/paths-$n.txt")
  read -r slow_us slow_objects slow_path < <(sort -n "$work/paths-$n.txt" | tail -1)
  read -r most _ most_path < <(sort -k2,2n "$work/paths-$n.txt" | tail -1 | awk '{ print $2, $1, $3 }')
  row "kustomize v5 build, $count Flux paths, sum" "$(ms "$sum")" "$(mib "$krss")" \
    "render cold $(ratio "${cold[$n]}" "$sum")×"
  row "  slowest path: ${slow_path#generated/} ($slow_objects objects)" "$(ms "$slow_us")" "" ""
  verdict "$most <= $MAX_OBJECTS"
  row "  most objects in one path: $most (${most_path#generated/})" "" "" "$V (≤ $MAX_OBJECTS)"
  if [ -n "${KUSTOMIZE_454:-}" ]; then
    start=$(date +%s%N)
    status=0
    for path in $(kustomize_paths "$dir"); do
      timeout "$KUSTOMIZE_BUDGET" "$KUSTOMIZE_454" build "$dir/$path" >/dev/null 2>&1 || { status=$?; break; }
    done
    end=$(date +%s%N)
    if [ "$status" = 0 ]; then
      row "kustomize 4.5.4 build, $count Flux paths, sum" "$(ms $(((end - start) / 1000)))" "" ""
    else
      row "kustomize 4.5.4 build, $count Flux paths" "stopped" "" "a path over ${KUSTOMIZE_BUDGET} s"
    fi
  fi
done
for ((i = 1; i < ${#sizes[@]}; i++)); do
  a=${sizes[$((i - 1))]} b=${sizes[$i]}
  bound=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", 1.1 * b / a }')
  for mode in cold noop check validate; do
    declare -n by_size=$mode
    r=$(ratio "${by_size[$b]}" "${by_size[$a]}")
    verdict "$r <= $bound"
    row "growth $mode $a → $b notebooks" "" "" "${r}× $V (≤ ${bound}×)"
    unset -n by_size
  done
done
example="$work/example"
mkdir -p "$example"
cp -r overlays generated flux images "$example/"
for ((i = 0; i < RUNS; i++)); do
  run_timed example "$jupyflux" render --check --quiet --root "$example"
done
stats example
verdict "$MEDIAN_US <= 20000"
row "render --check, shipped example" "$(ms "$MEDIAN_US")" "$(mib "$RSS_KIB")" "$V (≤ 20 ms)"
exit "$failed"
