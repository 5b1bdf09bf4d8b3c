"""Shared fixtures: where the repository's scenarios and maps are, and the trafficsim command.

ctest sets TRAFFIC_SOURCE_DIR and TRAFFIC_CLI_PATH; run by hand, the paths default to this checkout
and its release build.
"""

import os
import pathlib

import pytest

ROOT = pathlib.Path(os.environ.get("TRAFFIC_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
SCENARIOS = ROOT / "scenarios"
MAPS = ROOT / "maps"
HANGZHOU = str(SCENARIOS / "hangzhou_real.toml")


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT


@pytest.fixture(scope="session")
def cli() -> str:
    path = os.environ.get("TRAFFIC_CLI_PATH", str(ROOT / "build" / "release" / "bin" / "trafficsim"))
    if not os.path.exists(path):
        pytest.skip(f"the trafficsim command is not built ({path}); build the target trafficsim")
    return path
