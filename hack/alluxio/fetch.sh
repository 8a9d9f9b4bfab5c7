#!/usr/bin/env bash
# Resolve Alluxio's jars from Maven Central into bin/alluxio-jars/<version>/
# (gitignored), for the conformance suite in test/conformance.
#
#   hack/alluxio/fetch.sh [version]     # default 2.9.6
#
# Jars are cached in ~/.m2 as well, so a second run is quick. The suite
# calls this itself when the directory is missing.
set -euo pipefail
version="${1:-${ALLUXIO_VERSION:-2.9.6}}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${root}/bin/alluxio-jars/${version}"
if [[ -f "${out}/.complete" ]]; then
  exit 0
fi
tmp="${out}.tmp.$$"
rm -rf "${tmp}"
mkdir -p "${tmp}"
trap 'rm -rf "${tmp}"' EXIT
mvn -q -B -Dstyle.color=never -f "${root}/hack/alluxio/pom.xml" -Dalluxio.version="${version}" \
  dependency:copy-dependencies -DoutputDirectory="${tmp}"
touch "${tmp}/.complete"
rm -rf "${out}"
mv "${tmp}" "${out}"
trap - EXIT
echo "alluxio ${version} jars in ${out}"
