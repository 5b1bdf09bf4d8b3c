#!/usr/bin/env bash
# The full CI the project is moving to (issue 14), not yet what .ci/run runs: four stages, each in
# its own build tree (ccache keeps rebuilds incremental; results never depend on it), all with
# -DTRAFFIC_WERROR=ON (warnings in our code are errors):
#   1. ci    build/ci    what users build (Release, viewer, Python module) and every test
#   2. asan  build/asan  the engine without the viewer and the Python module
#                        (TRAFFIC_WITH_RENDER=OFF, TRAFFIC_WITH_PYTHON=OFF) under AddressSanitizer
#                        and UndefinedBehaviorSanitizer, every C++ test; a report stops the test
#   3. tsan  build/tsan  the tests of parallel phases and of the parallel compare runner under
#                        ThreadSanitizer (the suites are chosen by the `tsan` test preset)
#   4. fuzz  build/fuzz  every libFuzzer harness of tests/fuzz for CI_FUZZ_SECONDS (default 30) each
# It joins .ci/run once a whole run from a clean clone has been timed within CI's 90 minutes on
# 2 cores (CONTRIBUTING.md, "Continuous integration").
set -euo pipefail
cd "$(dirname "$0")/.."
exec < /dev/null
bash scripts/install-deps.sh
export CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR="$PWD"

times=()
stage() {  # stage NAME COMMAND...: runs the command, records its wall time
  local name=$1 start=$SECONDS
  shift
  echo "=== .ci/run: $name"
  "$@"
  times+=("$(printf '%-28s %4d s' "$name" $((SECONDS - start)))")
}

stage "ci: configure and build" bash -c 'cmake --preset ci -DTRAFFIC_WERROR=ON && cmake --build --preset ci'
stage "ci: tests" ctest --preset ci
stage "asan: configure and build" bash -c 'cmake --preset asan -DTRAFFIC_WERROR=ON && cmake --build --preset asan'
stage "asan: tests" ctest --preset asan
stage "tsan: configure and build" bash -c 'cmake --preset tsan -DTRAFFIC_WERROR=ON && cmake --build --preset tsan'
stage "tsan: tests" ctest --preset tsan
# The fuzzing build is configured here so that it gets -Werror too; scripts/fuzz.sh builds each
# harness and seeds its corpus (the recording seeds with build/ci's trafficsim).
stage "fuzz: configure" cmake --preset fuzz -DTRAFFIC_WERROR=ON
stage "fuzz: build and run" env FUZZ_BUILD_JOBS=2 scripts/fuzz.sh all "${CI_FUZZ_SECONDS:-30}"

echo "=== .ci/run: passed"
printf '%s\n' "${times[@]}"
echo "total                        $SECONDS s"
