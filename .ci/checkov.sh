#!/usr/bin/env bash
# checkov (installed by .ci/install-tools.sh) over what jupyflux renders: the committed generated/ tree and the
# notebook previews (`render --expand-notebooks`, what the controller creates) of a temporary copy. Accepted checks
# and their reasons are in .checkov.yaml and docs/security.md; any other failed check fails CI.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
checkov="$root/target/tools/checkov/bin/checkov"
[ -x "$checkov" ] || { echo "checkov: not installed; run .ci/install-tools.sh" >&2; exit 1; }
(cd "$root" && cargo build -q)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$root/overlays" "$root/generated" "$root/flux" "$root/images" "$work/"
"$target/debug/jupyflux" render --expand-notebooks --quiet --root "$work"
previews=$(find "$work/generated" -path '*.preview/*.yaml' | wc -l)
[ "$previews" -gt 0 ] || { echo "checkov: no notebook previews were rendered" >&2; exit 1; }

cd "$work"
"$checkov" --config-file "$root/.checkov.yaml" -d generated/
echo "checkov: generated/ and $previews preview files checked"
