#!/usr/bin/env bash
# tree-sha256.sh DIR prints one sha256 for a source tree, the same for
# Fluid's release tarball unpacked and for a git clone of its tag (a git
# tree has no tarball to hash): the sha256 of a canonical listing, every
# regular file's "sha256  ./path" line in byte order of path, then every
# symlink's "link ./path -> target". .git is left out; file modes and
# times are not part of it.
set -euo pipefail
cd "$1"
{
	find . -path ./.git -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
	find . -path ./.git -prune -o -type l -print0 | LC_ALL=C sort -z |
		while IFS= read -r -d '' link; do printf 'link %s -> %s\n' "$link" "$(readlink "$link")"; done
} | sha256sum | cut -d' ' -f1
