#!/usr/bin/env bash
# Builds the local Kubernetes control plane used by the e2e suites — kube-apiserver,
# kube-controller-manager, kube-scheduler, etcd, kwok and helm — from the Go module in
# test/cluster/tools/ (versions pinned by its go.mod and go.sum, fetched through the Go module
# proxy), into a cache outside the repository keyed by the Kubernetes version and a hash of
# go.mod/go.sum. A finished build is reused; a marker written last makes an interrupted build
# start over instead of being half-used.
#
#   test/cluster/build-tools.sh            build when missing, then print the bin directory
#   test/cluster/build-tools.sh --bin-dir  print the bin directory and build nothing (exit 1 when
#                                          it is not built yet)
#
# Environment: GURU_CACHE_DIR (default ~/.cache/time-series-guru) holds the binaries and the Go
# caches (GOMODCACHE, GOCACHE, GOPATH), so nothing is written into the repository. GOFLAGS is
# passed through, e.g. GOFLAGS=-p=1 to build on one core.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tools="$here/tools"
cache=${GURU_CACHE_DIR:-$HOME/.cache/time-series-guru}

k8s_version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "$tools/go.mod")
if [ -z "$k8s_version" ]; then
  echo "build-tools: no k8s.io/kubernetes requirement in $tools/go.mod" >&2
  exit 1
fi
# Bump layout when this script changes what it puts in the cache.
layout=1
key=$( (cat "$tools/go.mod" "$tools/go.sum"; echo "layout $layout") | sha256sum | cut -c1-12)
dest="$cache/cluster-$k8s_version-$key"
bin="$dest/bin"
marker="$dest/.complete"

if [ "${1:-}" = "--bin-dir" ]; then
  echo "$bin"
  [ -f "$marker" ]
  exit
fi

if [ -f "$marker" ]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build-tools: the go command is missing (Go $(awk '$1 == "go" { print $2 }' "$tools/go.mod") or newer is needed)" >&2
  exit 1
fi

export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOPATH="$cache/go/path"
# The go.mod's Go version is what the machine has; never fetch another toolchain.
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:-} -mod=readonly -trimpath -buildvcs=false"
export CGO_ENABLED=0

k8s_minor=${k8s_version#v1.}
k8s_minor=${k8s_minor%%.*}
version_flags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
  version_flags+=" -X $pkg.gitTreeState=clean"
done
helm_version=$(awk '$1 == "helm.sh/helm/v4" { print $2; exit }' "$tools/go.mod")

# name, package, extra -ldflags
targets=(
  "etcd go.etcd.io/etcd/server/v3"
  "kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver $version_flags"
  "kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager $version_flags"
  "kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler $version_flags"
  "kwok sigs.k8s.io/kwok/cmd/kwok"
  "helm helm.sh/helm/v4/cmd/helm -X helm.sh/helm/v4/internal/version.version=$helm_version"
)

echo "build-tools: building the local Kubernetes control plane (Kubernetes $k8s_version) into $dest" >&2
echo "build-tools: a cold build takes a long while on 2 cores (see docs/testing.md); it is reused afterwards" >&2
rm -rf "$dest"
mkdir -p "$bin"
started=$SECONDS
cd "$tools"
echo "build-tools: downloading modules…" >&2
go mod download
n=0
for target in "${targets[@]}"; do
  read -r name pkg ldflags <<<"$target"
  n=$((n + 1))
  step=$SECONDS
  echo "build-tools: [$n/${#targets[@]}] $name ($pkg)…" >&2
  go build -ldflags "-s -w ${ldflags:-}" -o "$bin/$name" "$pkg"
  echo "build-tools: [$n/${#targets[@]}] $name built in $((SECONDS - step)) s" >&2
done
# kwok needs Stage configs to move nodes and pods through their lives; take the "fast" stages
# (kwokctl's default: nodes Ready at once with a Lease heartbeat, pods Running and Ready at once,
# deleted pods removed) from the kwok module the binary was built from.
kwok_dir=$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
mkdir -p "$dest/share"
for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
  pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
  echo "---"
  cat "$kwok_dir/kustomize/stage/$stage.yaml"
done >"$dest/share/kwok-stages.yaml"
touch "$marker"
echo "build-tools: done in $((SECONDS - started)) s; $(du -sh "$bin" | cut -f1) of binaries in $bin" >&2
echo "$bin"
