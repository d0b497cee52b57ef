"""Reading a request's body: its media type and its JSON, refused with common's DomainError."""

from __future__ import annotations

import json
from typing import Any

from bridgework.common.errors import DomainError, ErrorKind
from bridgework.intake.domain.cloudevents import media_type


def unsupported_media_type(content_type: str | None, *accepted: str) -> DomainError:
    """A body in a media type the route does not read (415)."""
    given = media_type(content_type) or "no content-type"
    return DomainError(
        "unsupported_media_type",
        f"send {' or '.join(accepted)}, not {given}",
        kind=ErrorKind.UNSUPPORTED,
    )


def parse_json(body: bytes) -> Any:
    """The body as JSON, or a 422 saying why it is not."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise DomainError.invalid("(body)", f"the body is not JSON: {error}") from error
