#!/usr/bin/env bash
# Installs the build tree's library into a temporary prefix, builds tests/install/consumer against
# it with find_package(trafficsim), and runs it on a shipped scenario. Run by ctest
# (install_consumer); fails when the installed package cannot be found, compiled against or linked.
set -euo pipefail
build=${1:?usage: check.sh BUILD_DIR SOURCE_DIR}
source=${2:?usage: check.sh BUILD_DIR SOURCE_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" --component development > /dev/null
cmake -S "$source/tests/install/consumer" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" > /dev/null
cmake --build "$work/build" > /dev/null
"$work/build/consumer" "$source/scenarios/grid_10x10.toml"
