#!/usr/bin/env bash
# Run Go native fuzz targets, each for a while:
#
#   hack/fuzz/run.sh 3s ./pkg/a/:FuzzX ./pkg/a/:FuzzY ./pkg/b/:FuzzZ
#
# `go test -fuzz` takes one package and one target per invocation, and
# links an instrumented test binary each time (several seconds for this
# module's packages). So each package's binary is built once (`go test -c
# -fuzz`) and run once per target, from the package's directory (where
# testdata/fuzz holds the seeds, and where a failing input is written),
# with the same corpus cache `go test -fuzz` uses.
set -euo pipefail
fuzztime="$1"
shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bins="$(mktemp -d)"
trap 'rm -rf "${bins}"' EXIT
cache="$(go env GOCACHE)/fuzz"
module="$(cd "${root}" && go list -m)"
declare -A built=()
for t in "$@"; do
  pkg="${t%%:*}"
  target="${t##*:}"
  bin="${bins}/$(echo "${pkg}" | tr -c 'a-zA-Z0-9\n' '_').test"
  if [[ -z "${built[${pkg}]:-}" ]]; then
    (cd "${root}" && go test -c -fuzz=. -o "${bin}" "${pkg}")
    built[${pkg}]=1
  fi
  importpath="${module}/${pkg#./}"
  importpath="${importpath%/}"
  echo "fuzz ${target} (${pkg}) for ${fuzztime}"
  (cd "${root}/${pkg}" && "${bin}" -test.run '^$' -test.fuzz "^${target}\$" -test.fuzztime="${fuzztime}" \
    -test.fuzzminimizetime=100x -test.fuzzcachedir="${cache}/${importpath}" -test.timeout=0)
done
