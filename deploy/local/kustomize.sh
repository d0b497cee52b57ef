#!/usr/bin/env bash
# Installs the pinned kustomize into .local/tools (once) and prints its path. The tests
# render deploy/kubernetes with it (tests/kubernetes_manifests.py). It is built from source
# through the Go module proxy, the one route to it here without other downloads; about two
# minutes the first time. kubectl's built-in kustomize would do, but CI has no kubectl.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
VERSION=v5.5.0  # the version kubectl 1.32 embeds
TOOLS="$PWD/.local/tools"
BINARY="$TOOLS/kustomize"
# A `go install` build says "(devel)" to `kustomize version`; its module line has the version.
if [ ! -x "$BINARY" ] || ! go version -m "$BINARY" 2>/dev/null | grep -q "kustomize/v5[[:space:]]*$VERSION"; then
  mkdir -p "$TOOLS"
  echo "building kustomize $VERSION into $TOOLS (Go module proxy)" >&2
  GOBIN="$TOOLS" go install "sigs.k8s.io/kustomize/kustomize/v5@$VERSION" >&2
fi
echo "$BINARY"
