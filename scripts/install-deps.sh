#!/usr/bin/env bash
# Installs the Debian packages trafficsim builds against. Idempotent: packages already present are
# left alone, and nothing is downloaded when everything is installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libboost-graph-dev libtbb-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libpugixml-dev zlib1g-dev
)
# The viewer (CMake option TRAFFIC_WITH_RENDER, on by default): SFML, the HUD font, and a virtual
# X server and a software OpenGL driver (Mesa) so that screenshots and the viewer's tests run on
# machines without a screen or GPU.
# TRAFFIC_WITH_RENDER=OFF scripts/install-deps.sh leaves them out.
if [ "${TRAFFIC_WITH_RENDER:-ON}" != "OFF" ]; then
  packages+=(libsfml-dev libx11-dev libgl1-mesa-dri fonts-dejavu-core xvfb xauth)
fi
# The Python module (CMake option TRAFFIC_WITH_PYTHON, on by default): pybind11 and the headers
# of Debian's Python to build it, numpy for its arrays, pytest for its tests, and PyTorch for the
# DQN example (optional: the module never imports it, and the example and its test fall back or
# skip with a message without it).
# TRAFFIC_WITH_PYTHON=OFF scripts/install-deps.sh leaves them out.
if [ "${TRAFFIC_WITH_PYTHON:-ON}" != "OFF" ]; then
  packages+=(pybind11-dev python3-dev python3-numpy python3-pytest python3-torch)
fi
# The fuzzing harnesses (tests/fuzz, scripts/fuzz.sh) need clang with libFuzzer and its
# sanitizer runtimes (in Debian's clang package). TRAFFIC_FUZZ=OFF scripts/install-deps.sh skips it.
if [ "${TRAFFIC_FUZZ:-ON}" != "OFF" ]; then
  packages+=(clang)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
