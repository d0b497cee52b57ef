"""Debian's headless chromium for page tests: open a URL, get the DOM its scripts built.

Every host but loopback resolves to nothing, so a page that reaches for a CDN fails here as
it would on a machine without internet. Install the browser once with deploy/local/browser.sh.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = os.environ.get("BRIDGEWORK_CHROMIUM", "/usr/bin/chromium")
BROWSER_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    # No network beyond this machine: the pages must work offline.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


class Elements(HTMLParser):
    """Every element of a DOM dump, as (tag, attributes, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str], list[str]]] = []
        self._open: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        texts: list[str] = []
        self.found.append((tag, {k: v or "" for k, v in attrs}, texts))
        self._open.append(texts)

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self._open[-1].append(data.strip())

    def where(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a
            for t, a, _ in self.found
            if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def inside(self, svg_id: str, tag: str) -> list[dict[str, str]]:
        """Elements of `tag` inside the svg with this id (the dump keeps document order)."""
        inside, result = False, []
        for t, a, _ in self.found:
            if t == "svg":
                inside = a.get("id") == svg_id
            elif inside and t == tag:
                result.append(a)
        return result

    def figure(self, key: str) -> str:
        for index, (t, a, _) in enumerate(self.found):
            if t in ("div", "button") and a.get("data-key") == key:
                return " ".join(self.found[index + 1][2])
        raise AssertionError(f"no figure {key}")


def require_chromium() -> str:
    """Debian's chromium; never a browser a tool downloads. Missing: a failure, not a skip."""
    if not Path(CHROMIUM).is_file():
        raise AssertionError(f"{CHROMIUM} is missing: run deploy/local/browser.sh first")
    return CHROMIUM


async def browse(url: str, *, screenshot: Path | None = None) -> str:
    """Open `url` in headless chromium; return the DOM after its scripts ran."""
    with tempfile.TemporaryDirectory(prefix="bw-chromium-") as profile:
        output = (
            ["--screenshot=" + str(screenshot), "--window-size=1280,2400"]
            if screenshot
            else ["--dump-dom"]
        )
        process = await asyncio.create_subprocess_exec(
            CHROMIUM,
            *BROWSER_FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=20000",
            *output,
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode == 0, stderr.decode(errors="replace")[-2000:]
    return stdout.decode()
