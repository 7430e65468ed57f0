"""Outbound addresses: whether a host this server is asked to call is a public one.

Pull sync and webhooks both send requests to URLs that a caller chose, so unless the
configuration allows otherwise, the host must resolve only to public addresses (no
loopback, private, link-local or reserved ones), checked just before each request.
"""

import ipaddress
import socket
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AddressProblem:
    """Why a host may not be called; `resolved` is False when the name did not resolve."""

    reason: str
    resolved: bool


def address_problem(host: str) -> AddressProblem | None:
    """Why `host` is not a public address to call, or None when it is."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return AddressProblem(f"'{host}' does not resolve", resolved=False)
    for address in sorted(addresses):
        parsed = ipaddress.ip_address(str(address).split("%")[0])
        if not parsed.is_global:
            return AddressProblem(
                f"'{host}' resolves to {address}, which is not a public address", resolved=True
            )
    return None


def public_address_problem(host: str) -> str | None:
    """Why `host` is not a public address to call, or None when it is."""
    problem = address_problem(host)
    return None if problem is None else problem.reason
