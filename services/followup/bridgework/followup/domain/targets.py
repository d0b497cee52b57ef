"""Where follow-up may send: public http(s) webhooks and e-mail addresses at named hosts.

A webhook URL is chosen by an admin or stored with a contact, and follow-up posts to it from
inside the network: pointed at loopback, a private range or the cloud metadata address
(169.254.169.254) it would reach what only the network should. These rules refuse such
addresses; `clients/targets.py` applies the same rule to what a host name resolves to.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from bridgework.common.errors import DomainError

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SCHEMES = ("http", "https")


def refused_address(address: IpAddress) -> str | None:
    """Why follow-up must not send to `address` (None: a public address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private or address.is_reserved or not address.is_global:
        return "a private address"
    return None


def ip_literal(host: str) -> IpAddress | None:
    """The address a host names literally (`10.0.0.1`, `[::1]`), None for a name."""
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def webhook_host(url: str) -> tuple[str, int]:
    """The host and port a webhook URL names; ValueError if it is not an http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError("only http and https webhooks are sent to")
    host = parts.hostname
    if not host:
        raise ValueError("a webhook URL names a host")
    return host, parts.port or (443 if parts.scheme == "https" else 80)


def check_webhook_url(url: str, *, field: str, allow_private: bool) -> str:
    """`url` if follow-up may post to it; else a DomainError naming `field` (a 422)."""
    try:
        host, _ = webhook_host(url)
    except ValueError as error:
        raise DomainError.invalid(field, str(error)) from error
    address = ip_literal(host)
    reason = refused_address(address) if address is not None else None
    if reason is not None and not allow_private:
        raise DomainError.invalid(field, f"a webhook may not point at {reason}")
    return url


def check_email_address(email: str, *, field: str) -> str:
    """`email` if its domain is a name; an IP-literal host would bypass the mail system's
    routing and reach an address of the network's own."""
    domain = email.rpartition("@")[2]
    if domain.startswith("[") or ip_literal(domain) is not None:
        raise DomainError.invalid(field, "an e-mail address at a named domain, not an IP address")
    return email
