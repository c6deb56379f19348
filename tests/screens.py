"""Screenshots the browser tests take for a human to look at.

Each goes to build/browser/<folder>/; the note's copies in notes/screens/ change only when asked
(REFUGEE_RULES_SCREENS=1), so that a test run leaves the checkout as it found it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTES = ROOT / "notes" / "screens"


def shoot(page, folder: str, name: str) -> None:
    """``page`` (Playwright) as it is on screen now, saved as ``name``.png."""
    artifacts = ROOT / "build" / "browser" / folder
    artifacts.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(artifacts / f"{name}.png"))
    if os.environ.get("REFUGEE_RULES_SCREENS") == "1":
        NOTES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artifacts / f"{name}.png", NOTES / f"{name}.png")
