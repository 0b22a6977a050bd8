#!/usr/bin/env bash
# Shows the jupyflux pre-commit hook at work in a throwaway Git repository: it FAILS on a stale generated tree
# (telling to run `jupyflux render`) and PASSES once `jupyflux render` has refreshed it.
# pre-commit comes from PyPI into a temporary venv; the hook is a `repo: local` one running the freshly built binary.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build -q)
bin="$target/debug/jupyflux"
[ -x "$bin" ] || { echo "FAIL: no binary at $bin"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit
precommit="$work/venv/bin/pre-commit"

repo="$work/repo"
mkdir -p "$repo"
cp -R "$root/fixtures/valid/minimal/overlays" "$repo/"
cat >"$repo/.pre-commit-config.yaml" <<YAML
repos:
  - repo: local
    hooks:
      - id: jupyflux-render
        name: jupyflux render --check
        entry: $bin render --check
        language: system
        pass_filenames: false
        files: ^(overlays|generated|flux|images)/
YAML
cd "$repo"
export PRE_COMMIT_HOME="$work/cache" NO_COLOR=1
git init -q
git -c user.email=ci@example.org -c user.name=ci add -A

failures=0
# Nothing rendered yet: the hook must fail and say what to do.
if output=$("$precommit" run --all-files 2>&1); then
  echo "FAIL: the hook passed on a stale generated tree"; echo "$output"; failures=$((failures + 1))
elif grep -q 'run `jupyflux render`' <<<"$output"; then
  echo "PASS: the hook fails on a stale generated tree and says to run \`jupyflux render\`"
else
  echo "FAIL: the hook failed without telling to run \`jupyflux render\`"; echo "$output"; failures=$((failures + 1))
fi

"$bin" render --quiet
git add -A
if output=$("$precommit" run --all-files 2>&1); then
  echo "PASS: the hook passes once \`jupyflux render\` has run"
else
  echo "FAIL: the hook still fails after \`jupyflux render\`"; echo "$output"; failures=$((failures + 1))
fi
exit "$failures"
