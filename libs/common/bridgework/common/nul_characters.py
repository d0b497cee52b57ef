"""U+0000 in a request: found with bytes searches, then named by its field's path.

Postgres text and jsonb cannot hold U+0000, and event contracts refuse it, so every edge
refuses it first with a 422 naming the field. JSON can carry it only as the escape `\\u0000`
(a raw control character is invalid JSON), so a body without those six bytes costs one search;
`\\\\u0000` is an escaped backslash followed by text, and passes.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from bridgework.common.contracts.nul import NUL, NUL_REFUSED

NUL_KEY_REFUSED = "a name here must not hold the NUL character (U+0000)"
_ESCAPE = b"\\u0000"
_BACKSLASH = 0x5C


def holds_nul_escape(text: bytes) -> bool:
    """Whether JSON `text` holds `\\u0000` as an escape (not an escaped backslash + `u0000`)."""
    start = text.find(_ESCAPE)
    while start != -1:
        run = start
        while run > 0 and text[run - 1] == _BACKSLASH:
            run -= 1
        if (start - run) % 2 == 0:  # the backslashes before ours pair up: ours escapes
            return True
        start = text.find(_ESCAPE, start + 1)
    return False


def json_nul_field(body: bytes) -> tuple[str, str] | None:
    """The dotted path of a string (or name) holding U+0000 in JSON `body`, and why; None
    when there is none, or when `body` is not JSON (its parser says so later)."""
    if not holds_nul_escape(body):
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return nul_in(document)


def nul_in(document: Any, path: str = "") -> tuple[str, str] | None:
    """The path of a string or object name holding U+0000 in parsed JSON, and why."""
    pending: list[tuple[str, Any]] = [(path, document)]
    while pending:  # a stack, not recursion: the body's depth is not ours to trust
        where, value = pending.pop()
        if isinstance(value, str):
            if NUL in value:
                return where or "(body)", NUL_REFUSED
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                inner = f"{where}.{key}" if where else key
                if NUL in key:
                    return inner.replace(NUL, "\\u0000"), NUL_KEY_REFUSED
                pending.append((inner, item))
        elif isinstance(value, list):
            for index in range(len(value) - 1, -1, -1):
                pending.append((f"{where}.{index}" if where else str(index), value[index]))
    return None


def _may_hold_nul(encoded: bytes) -> bool:
    lowered = encoded.lower()
    return b"%00" in lowered or b"\x00" in lowered or b"u0000" in lowered


def form_nul_field(encoded: bytes) -> tuple[str, str] | None:
    """The name of a query (or form) parameter holding U+0000, or, for a parameter holding
    JSON (GraphQL's GET `variables`), the path inside it; None when none does."""
    if not _may_hold_nul(encoded):
        return None
    for name, value in parse_qsl(encoded.decode("latin-1"), keep_blank_values=True):
        if NUL in name:
            return name.replace(NUL, "\\u0000"), NUL_KEY_REFUSED
        if NUL in value:
            return name, NUL_REFUSED
        if value.lstrip()[:1] in ("[", "{") and holds_nul_escape(value.encode()):
            try:
                found = nul_in(json.loads(value), name)
            except (ValueError, RecursionError):
                continue
            if found is not None:
                return found
    return None
