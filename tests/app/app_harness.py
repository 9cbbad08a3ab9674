"""What the app's tests share besides fixtures: the devnet harness (the explorer tests', put on the import path
here), viewports, the artifacts folder, and a devnet's lifetime for module fixtures. (Not in conftest.py: test
modules import these, and `conftest` is a module name every test folder has.)"""

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "explorer"))

from explorer_harness import REPO, DevnetProcess, start_devnet

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

ARTIFACTS = REPO / "artifacts" / "app"
PHONE: "ViewportSize" = {"width": 390, "height": 844}
DESKTOP: "ViewportSize" = {"width": 1280, "height": 900}

NewPage = Callable[..., "Page"]


def devnet_in(tmp_path_factory: pytest.TempPathFactory, name: str, block_time_s: float) -> Iterator[DevnetProcess]:
    """A devnet subprocess in a fresh temporary home, stopped and removed afterwards (a module fixture's body)."""
    home = tmp_path_factory.mktemp(name) / "devnet"
    process = start_devnet(home, block_time_s)
    try:
        yield process
    finally:
        process.stop()
        shutil.rmtree(home, ignore_errors=True)
