"""Who is calling: the client's address as every per-address limit counts it (the login lockout,
the request-rate limits, the audit log).

It is REMOTE_ADDR, or the last entry of the header the trusted proxy sets (ANJU_CLIENT_IP_HEADER,
e.g. X-Forwarded-For or X-Real-IP) when, and only when, the request comes from that proxy
(ANJU_TRUSTED_PROXIES): anyone can send the header, and the entries left of the proxy's own are
whatever the client wrote. One place, so an operator sets the proxy once.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(value: str | None) -> Address | None:
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    # A dual-stack socket shows IPv4 clients as ::ffff:a.b.c.d: counted as the IPv4 address they
    # are, not as IPv6 (whose /64 would put every IPv4 client in one bucket).
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def in_networks(address: Address, networks: Iterable[str]) -> bool:
    """Whether `address` lies in one of `networks` (CIDR or single addresses); a mistyped entry
    matches nothing (and `anju check` reports it)."""
    for network in networks:
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except (ValueError, TypeError):
            continue
    return False


def client_address(request: HttpRequest) -> Address | None:
    remote = parse_address(request.META.get("REMOTE_ADDR"))
    header = getattr(settings, "ANJU_CLIENT_IP_HEADER", "")
    if header and remote is not None and in_networks(remote, getattr(settings, "ANJU_TRUSTED_PROXIES", [])):
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        forwarded = parse_address(value.split(",")[-1]) if value else None
        if forwarded is not None:
            remote = forwarded
    return remote


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as text (None when the server gave none that parses)."""
    address = client_address(request)
    return str(address) if address is not None else None
