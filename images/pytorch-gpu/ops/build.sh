#!/bin/sh
# Build and push every image the definitions use whose tag the registry does not have yet (run by CI).
# Excluded from the image's tag (spec.exclude: [ops/]): changing this script does not roll out the servers.
set -eu
jupyflux images --format json | jq -r '.[] | [.context, .image] | @tsv' |
  while read -r context image; do
    if docker manifest inspect "$image" >/dev/null 2>&1; then
      echo "$image: already pushed"
    else
      docker build --tag "$image" "$context" && docker push "$image"
    fi
  done
