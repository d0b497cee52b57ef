"""What a dashboard test does in a page beyond tests/browser_session.py: press keys on an
element as a keyboard user would, and download the files a page builds (CSV exports)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from tests.browser_session import Page

_KEYS = {"Enter": (13, "Enter", "\r"), " ": (32, "Space", " ")}


async def press(page: Page, selector: str, key: str = "Enter") -> None:
    """Focus the element and press a key on it (Enter or Space): no click is sent."""
    found = await page.evaluate(
        f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
        " if (!e) return false; e.focus(); return document.activeElement === e; })()"
    )
    assert found, f"nothing focusable at {selector}"
    code, name, text = _KEYS[key]
    for kind in ("keyDown", "keyUp"):
        await page.send(
            "Input.dispatchKeyEvent",
            type=kind,
            key=key,
            code=name,
            windowsVirtualKeyCode=code,
            text=text if kind == "keyDown" else "",
        )


async def allow_downloads(page: Page, folder: Path) -> None:
    """Let the page save files, into `folder`, under the names it suggests."""
    await page.send("Page.setDownloadBehavior", behavior="allow", downloadPath=str(folder))


async def download(page: Page, selector: str, folder: Path, timeout: float = 20) -> Path:
    """Click what starts a download; the new file once the browser has finished it."""
    before = set(await asyncio.to_thread(lambda: list(folder.iterdir())))
    await page.click(selector)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = [
            p
            for p in await asyncio.to_thread(lambda: list(folder.iterdir()))
            if p not in before and not p.name.endswith(".crdownload")
        ]
        if new:
            return new[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no file was downloaded after pressing {selector}")
