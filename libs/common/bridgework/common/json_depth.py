"""How deeply a JSON document nests, found without parsing it (so a hostile one cannot recurse us).

Everything runs in C-speed bytes operations: escapes are dropped, then every byte but quotes and
brackets, then the strings; what is left is a string of brackets, and each `replace("[]", "")`
pass takes away exactly one level of nesting.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_OTHER_BYTES = bytes(b for b in range(256) if b not in b'"[]{}')
_OBJECTS_AS_ARRAYS = bytes.maketrans(b"{}", b"[]")


def nests_deeper_than(body: bytes, limit: int) -> bool:
    """Whether arrays and objects in the JSON `body` nest more than `limit` levels deep.

    Brackets inside strings do not count. Malformed JSON (unbalanced brackets) counts as deep
    only where its balanced part is: the parser that follows reports the rest.
    """
    if b"\\" in body:
        # Left to right, like a JSON reader: `\\` and `\"` go whole, so no quote is misread.
        body = _ESCAPE.sub(b"", body)
    brackets = body.translate(_OBJECTS_AS_ARRAYS, _OTHER_BYTES)
    # Most strings hold no bracket and are now `""`: dropping adjacent quotes (an empty
    # string, or the gap between two strings) keeps every bracket inside or outside as it was.
    brackets = brackets.replace(b'""', b"")
    if b'"' in brackets:
        brackets = b"".join(brackets.split(b'"')[::2])
    if b"[" * (limit + 1) in brackets:
        return True  # the usual attack: one long run of openers, found in one search
    for _ in range(limit):
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            return False
        brackets = shorter
    return b"[]" in brackets
