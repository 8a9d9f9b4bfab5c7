#!/usr/bin/env bash
# Resolve Alluxio's jars from Maven Central into bin/alluxio-jars/<version>/
# (gitignored), for the suites that run real Alluxio (test/conformance,
# test/fluid).
#
#   hack/alluxio/fetch.sh [version]     # default 2.9.6
#
# Jars are cached in ~/.m2 as well, so a second run is quick. The suites
# call this before every run: it returns at once when the jars there were
# resolved from this very pom.xml (its checksum is kept in .complete), and
# resolves them again when the pom changed, so a dependency added to it
# reaches every machine without a manual clean.
set -euo pipefail
version="${1:-${ALLUXIO_VERSION:-2.9.6}}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pom="${root}/hack/alluxio/pom.xml"
out="${root}/bin/alluxio-jars/${version}"
want="pom.xml sha256 $(sha256sum "${pom}" | cut -d' ' -f1)"
if [[ -f "${out}/.complete" && "$(cat "${out}/.complete")" == "${want}" ]]; then
  exit 0
fi
tmp="${out}.tmp.$$"
rm -rf "${tmp}"
mkdir -p "${tmp}"
trap 'rm -rf "${tmp}"' EXIT
mvn -q -B -Dstyle.color=never -f "${pom}" -Dalluxio.version="${version}" \
  dependency:copy-dependencies -DoutputDirectory="${tmp}"
echo "${want}" > "${tmp}/.complete"
rm -rf "${out}"
mv "${tmp}" "${out}"
trap - EXIT
echo "alluxio ${version} jars in ${out}"
