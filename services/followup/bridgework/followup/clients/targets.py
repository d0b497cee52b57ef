"""Checking a webhook's host at send time: what its name resolves to, not only what it says.

A name that resolves to 127.0.0.1 or 169.254.169.254 is refused like the literal address, so
DNS cannot smuggle a private target past the admin API's check.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from bridgework.followup.domain.targets import ip_literal, refused_address, webhook_host


class TargetRefused(Exception):  # noqa: N818 - a verdict, like "refused"
    """A webhook follow-up may not post to; the message names no part of the URL."""


async def ensure_public_webhook(url: str, *, allow_private: bool) -> None:
    """Raise TargetRefused unless every address `url`'s host stands for is public."""
    try:
        host, port = webhook_host(url)
    except ValueError as error:
        raise TargetRefused(str(error)) from error
    if allow_private:
        return
    literal = ip_literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as error:
            raise TargetRefused(f"host not resolved ({type(error).__name__})") from error
        addresses = [ipaddress.ip_address(info[4][0]) for info in found]
    for address in addresses:
        reason = refused_address(address)
        if reason is not None:
            raise TargetRefused(f"webhook host is {reason}")
