"""Where webhooks may send (SPEC §16): http(s) URLs whose host resolves to public addresses only.

A host is resolved and *every* address it resolves to must be public: loopback, private,
link-local (cloud metadata lives there), shared (CGNAT), unspecified, multicast, reserved,
documentation and other non-global ranges are refused, IPv6 included, and IPv6 forms that
embed an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo) are judged by that address. The
check runs when a webhook is saved and again before each delivery, and the delivery connects
to the address that was checked (a second DNS answer cannot point it elsewhere: rebinding).
``WEBHOOK_ALLOW_PRIVATE=true`` lifts the address rules (development, tests, private networks).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata endpoints outside the link-local range (named in the refusal).
METADATA = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack…
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("192.0.0.192"),  # Oracle Cloud
}
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class UnsafeTarget(ValueError):
    """The URL may not be called; the message says why (without echoing resolver internals)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written (lower-cased), for Host / SNI / certificate checks
    port: int
    path: str  # path + query, never empty
    host_header: str


def parse_url(url: str) -> Target:
    """Syntax only: http or https, a host, no credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeTarget("Not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise UnsafeTarget("The URL must start with http:// or https://.")
    if not parts.hostname:
        raise UnsafeTarget("The URL needs a host.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("Credentials in the URL are not accepted.")
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.hostname.lower().rstrip(".") or parts.hostname
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return Target(scheme=scheme, host=host, port=port, path=path, host_header=netloc)


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not be called, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return refusal(embedded)
    if address in METADATA:
        return "a cloud metadata address"
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    )
    for attribute, reason in checks:
        if getattr(address, attribute):
            return reason
    if not address.is_global:
        return "a non-public address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if any(address in network for network in NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's (obfuscated) address, already decoded
    return None


def _getaddrinfo(host: str, port: int):
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def resolve(target: Target, *, allow_private: bool) -> list[str]:
    """The addresses to connect to (in resolver order); UnsafeTarget if any is refused."""
    try:
        infos = _getaddrinfo(target.host, target.port)
    except (OSError, UnicodeError):
        raise UnsafeTarget("The host does not resolve.") from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        raw = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        address = ipaddress.ip_address(raw)
        reason = refusal(address)
        if reason and not allow_private:
            raise UnsafeTarget(f"The host resolves to {reason}.")
        if raw not in addresses:
            addresses.append(raw)
    if not addresses:
        raise UnsafeTarget("The host does not resolve.")
    return addresses


def check_url(url: str, *, allow_private: bool) -> Target:
    """Parse and resolve: what a webhook URL must pass when it is saved."""
    target = parse_url(url)
    resolve(target, allow_private=allow_private)
    return target
