#!/usr/bin/env bash
# source.sh OUT: writes Fluid's source tree, checked, to OUT (replaced),
# for `make fluid-binaries` (and so `make demo` and `make test`).
#
#   1. From FLUID_TARBALL when it exists: its sha256 must be FLUID_SHA256.
#   2. Otherwise by git: a shallow clone of tag FLUID_VERSION from
#      FLUID_GIT_URL, whose commit must be FLUID_COMMIT and whose tree
#      (tree-sha256.sh) must be FLUID_TREE_SHA256, the tree the tarball
#      holds. This needs network access to FLUID_GIT_URL.
set -euo pipefail
out=$1
: "${FLUID_VERSION:?}" "${FLUID_SHA256:?}" "${FLUID_COMMIT:?}" "${FLUID_TREE_SHA256:?}" "${FLUID_GIT_URL:?}" "${FLUID_TARBALL:?}"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$out.tmp
rm -rf "$tmp" && mkdir -p "$tmp"

if [ -f "$FLUID_TARBALL" ]; then
	echo ">> checking and unpacking $FLUID_TARBALL"
	echo "$FLUID_SHA256  $FLUID_TARBALL" | sha256sum -c --quiet - ||
		{ echo "$FLUID_TARBALL: sha256 is not $FLUID_SHA256 (Fluid $FLUID_VERSION's source release)"; exit 1; }
	tar -xzf "$FLUID_TARBALL" -C "$tmp"
	[ -f "$tmp/fluid-$FLUID_VERSION/go.mod" ] || { echo "$FLUID_TARBALL does not hold fluid-$FLUID_VERSION/"; exit 1; }
else
	command -v git >/dev/null || { echo "Fluid's source is not here ($FLUID_TARBALL is absent) and git is not installed to fetch it: install git, or put Fluid $FLUID_VERSION's source tarball at FLUID_TARBALL, or set FLUID_SRC to an unpacked tree"; exit 1; }
	echo ">> $FLUID_TARBALL is absent: cloning Fluid $FLUID_VERSION from $FLUID_GIT_URL"
	if ! git -c advice.detachedHead=false clone --quiet --depth 1 --branch "$FLUID_VERSION" "$FLUID_GIT_URL" "$tmp/fluid-$FLUID_VERSION"; then
		echo "Could not clone $FLUID_GIT_URL (tag $FLUID_VERSION): this needs network access to it."
		echo "Offline, put Fluid $FLUID_VERSION's source tarball (sha256 $FLUID_SHA256) at"
		echo "    $FLUID_TARBALL"
		echo "or set FLUID_SRC to an unpacked Fluid $FLUID_VERSION tree."
		exit 1
	fi
	commit=$(git -C "$tmp/fluid-$FLUID_VERSION" rev-parse HEAD)
	[ "$commit" = "$FLUID_COMMIT" ] ||
		{ echo "$FLUID_GIT_URL: tag $FLUID_VERSION is commit $commit, not $FLUID_COMMIT: refusing to build it"; exit 1; }
	tree=$("$here/tree-sha256.sh" "$tmp/fluid-$FLUID_VERSION")
	[ "$tree" = "$FLUID_TREE_SHA256" ] ||
		{ echo "the clone of $FLUID_VERSION has tree sha256 $tree, not $FLUID_TREE_SHA256 (the tree of the source release): refusing to build it"; exit 1; }
	rm -rf "$tmp/fluid-$FLUID_VERSION/.git"
fi
rm -rf "$out" && mv "$tmp" "$out"
