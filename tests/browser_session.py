"""Debian's headless chromium driven over the DevTools protocol: open a page, type into its
fields, press its buttons (by keyboard), download what it offers, wait for what its scripts
draw, and take screenshots (test-output/screenshots/, git-ignored).

tests/browser.py dumps a page once; acting in one needs a person's keys and clicks. The
protocol is spoken over the `websockets` package the services already depend on; no
browser is downloaded.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.browser import BROWSER_FLAGS, require_chromium

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"
LISTENING = re.compile(rb"DevTools listening on (ws://\S+)")


class Page:
    """One tab, through a flat DevTools session."""

    def __init__(self, socket: ClientConnection, session_id: str) -> None:
        self._socket = socket
        self._session = session_id
        self._ids = itertools.count(10)
        self._answers: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self._socket:
            message = json.loads(raw)
            waiting = self._answers.pop(message.get("id", -1), None)
            if waiting is not None and not waiting.done():
                waiting.set_result(message)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One protocol command; its result, or an AssertionError with the browser's error."""
        number = next(self._ids)
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[number] = answer
        command = {"id": number, "method": method, "params": params, "sessionId": self._session}
        await self._socket.send(json.dumps(command))
        message = await asyncio.wait_for(answer, 60)
        assert "error" not in message, f"{method}: {message['error']}"
        result: dict[str, Any] = message.get("result", {})
        return result

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = await self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    async def goto(self, url: str) -> None:
        await self.send("Page.navigate", url=url)
        await self.wait_for(
            "document.readyState === 'complete' && document.body.dataset.state !== 'loading'"
        )

    async def reload(self) -> None:
        """Load the page again (a tab's sessionStorage, and so its sign-in, stays)."""
        await self.send("Page.reload", ignoreCache=True)
        await self.wait_for(
            "document.readyState === 'complete' && document.body"
            " && document.body.dataset.state !== 'loading'"
        )

    async def wait_for(self, expression: str, timeout: float = 45) -> bool:
        """Poll until the expression is truthy (an element found counts: pages redraw as the
        read model catches up)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = await self.evaluate(f"!!({expression})")
            except AssertionError:  # the page was navigating, or not drawn yet
                value = None
            if value:
                return True
            if time.monotonic() > deadline:
                body = await self.evaluate("document.body.innerText.slice(0, 3000)")
                raise AssertionError(f"never true: {expression}\n--- the page said:\n{body}")
            await asyncio.sleep(0.3)

    async def fill(self, selector: str, value: str) -> None:
        """Type a value into a field (an input, a textarea or a select) as a person would."""
        found = await self.evaluate(
            f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            if (!e) return false; e.focus(); e.value = {json.dumps(value)};
            e.dispatchEvent(new Event('input', {{bubbles: true}}));
            e.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()"""
        )
        assert found, f"no field {selector}"

    async def click(self, selector: str) -> None:
        """Press a button or follow a link, through the keyboard's Enter-equivalent click."""
        found = await self.evaluate(
            f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            if (!e) return false; e.focus(); e.click(); return true; }})()"""
        )
        assert found, f"nothing to click at {selector}"

    async def press(self, selector: str, key: str = "Enter") -> None:
        """Focus an element and press a key on it, as a keyboard user would."""
        found = await self.evaluate(
            f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            if (!e) return false; e.focus(); return document.activeElement === e; }})()"""
        )
        assert found, f"cannot focus {selector}"
        codes = {"Enter": (13, "\r"), " ": (32, " "), "Tab": (9, "")}
        code, text = codes.get(key, (0, ""))
        for kind in ("keyDown", "keyUp"):
            await self.send(
                "Input.dispatchKeyEvent",
                type=kind,
                key=key,
                code="Space" if key == " " else key,
                windowsVirtualKeyCode=code,
                text=text if kind == "keyDown" else "",
            )

    async def download(self, selector: str, timeout: float = 30) -> Path:
        """Press what offers a download; the file the browser saved."""
        folder = Path(tempfile.mkdtemp(prefix="bw-downloads-"))
        await self.browser(
            "Browser.setDownloadBehavior", behavior="allow", downloadPath=str(folder)
        )
        await self.click(selector)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = await asyncio.to_thread(_saved, folder)
            if done:
                return done[0]
            await asyncio.sleep(0.2)
        raise AssertionError(f"{selector} downloaded nothing in {timeout}s")

    async def browser(self, method: str, **params: Any) -> dict[str, Any]:
        """A command to the browser itself rather than the tab."""
        number = next(self._ids)
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[number] = answer
        await self._socket.send(json.dumps({"id": number, "method": method, "params": params}))
        message = await asyncio.wait_for(answer, 60)
        assert "error" not in message, f"{method}: {message['error']}"
        result: dict[str, Any] = message.get("result", {})
        return result

    async def text(self, selector: str = "body") -> str:
        value = await self.evaluate(
            f"(document.querySelector({json.dumps(selector)}) || {{innerText: ''}}).innerText"
        )
        return str(value)

    async def screenshot(self, name: str, scale: float = 1.0) -> Path:
        """The whole page as a PNG under test-output/screenshots/ (git-ignored); `scale` < 1
        makes a smaller picture (for docs/)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        size = (await self.send("Page.getLayoutMetrics"))["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": scale}
        shot = await self.send(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip
        )
        path = SCREENSHOTS / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    async def close(self) -> None:
        self._reader.cancel()


@asynccontextmanager
async def chromium_page(width: int = 1200, height: int = 900) -> AsyncIterator[Page]:
    """A fresh headless chromium (own profile, no network beyond loopback) and one tab."""
    with tempfile.TemporaryDirectory(prefix="bw-chromium-") as profile:
        process = await asyncio.create_subprocess_exec(
            require_chromium(),
            *BROWSER_FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            f"--window-size={width},{height}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert process.stderr is not None
            address = await asyncio.wait_for(_devtools_address(process.stderr), 30)
            async with connect(address, max_size=None) as socket:
                await socket.send(
                    json.dumps(
                        {"id": 1, "method": "Target.createTarget", "params": {"url": "about:blank"}}
                    )
                )
                target = json.loads(await socket.recv())["result"]["targetId"]
                await socket.send(
                    json.dumps(
                        {
                            "id": 2,
                            "method": "Target.attachToTarget",
                            "params": {"targetId": target, "flatten": True},
                        }
                    )
                )
                session = await _answer(socket, 2)
                page = Page(socket, session["result"]["sessionId"])
                await page.send("Page.enable")
                await page.send(
                    "Emulation.setDeviceMetricsOverride",
                    width=width,
                    height=height,
                    deviceScaleFactor=1,
                    mobile=False,
                )
                try:
                    yield page
                finally:
                    await page.close()
        finally:
            process.terminate()
            await process.wait()


def _saved(folder: Path) -> list[Path]:
    return [f for f in folder.iterdir() if not f.name.endswith(".crdownload")]


@asynccontextmanager
async def open_page(url: str, width: int = 1280, height: int = 1000) -> AsyncIterator[Page]:
    """A fresh chromium tab that opened `url` (its scripts may still be loading data)."""
    async with chromium_page(width, height) as page:
        await page.send("Page.navigate", url=url)
        await page.wait_for("document.readyState === 'complete'")
        yield page


async def _devtools_address(stderr: asyncio.StreamReader) -> str:
    while line := await stderr.readline():
        found = LISTENING.search(line)
        if found:
            return found.group(1).decode()
    raise AssertionError("chromium never opened its DevTools port")


async def _answer(socket: ClientConnection, number: int) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await socket.recv())
        if message.get("id") == number:
            return message
