"""What the app's tests share besides fixtures: the devnet harness (the explorer tests', put on the import path
here; its devnet_in is a devnet's lifetime for module fixtures), viewports and the artifacts folder. (Not in
conftest.py: test modules import these, and `conftest` is a module name every test folder has.)"""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "explorer"))

from explorer_harness import REPO, devnet_in

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

ARTIFACTS = REPO / "artifacts" / "app"
PHONE: "ViewportSize" = {"width": 390, "height": 844}
DESKTOP: "ViewportSize" = {"width": 1280, "height": 900}

NewPage = Callable[..., "Page"]

__all__ = ["ARTIFACTS", "DESKTOP", "PHONE", "NewPage", "devnet_in"]
