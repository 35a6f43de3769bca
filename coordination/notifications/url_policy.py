"""Where a webhook may point: one rule, applied when a subscription is made and again before every send.

A URL passes when its scheme is https (http only to loopback, and only where WEBHOOK_ALLOW_LOOPBACK is
on, i.e. development and tests), its host name is not an internal one, and every address the name
resolves to is a public unicast address (or on the WEBHOOK_ALLOW_LIST of on-premise receivers). The
sender then connects to those vetted addresses only, so a name that changes its answer between the
check and the connection (DNS rebinding) gains nothing.
"""

import ipaddress
import socket
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges that Python's is_global / is_reserved let through but that reach internal networks: CGNAT,
# IETF protocol assignments, 6to4 relays and prefixes, NAT64 (which embeds any IPv4 address).
EXTRA_BLOCKED: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(net)
    for net in (
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.88.99.0/24",
        "2002::/16",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
    )
)
# Cloud metadata endpoints and names that only mean something inside a network.
INTERNAL_NAMES = ("metadata", "metadata.google.internal", "instance-data")
INTERNAL_SUFFIXES = (".internal", ".local", ".localdomain", ".home.arpa", ".intranet", ".lan", ".corp")


class UrlRefused(Exception):
    """The URL breaks the policy; the message is safe to show to the subscriber."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A vetted URL: the name to send as Host and SNI, and the only addresses we may connect to."""

    url: str
    host: str
    port: int
    addresses: tuple[str, ...]

    @property
    def is_literal(self) -> bool:
        return _literal(self.host) is not None


def resolve(host: str, port: int) -> list[str]:
    """The name's addresses (a seam: tests replace it with a stub resolver, so no test needs DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def vet(url: str) -> Target:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UrlRefused(_("Only https URLs are accepted."))
    try:
        host, port = (parts.hostname or "").rstrip("."), parts.port
    except ValueError as exc:
        raise UrlRefused(_("The port is not a number between 0 and 65535.")) from exc
    if not host:
        raise UrlRefused(_("The URL has no host name."))
    port = port or (443 if scheme == "https" else 80)
    trusted = host.lower() in _allowed_hosts()
    addresses = _resolved(host.lower(), port) if trusted else _addresses(host, port)
    loopback_ok = settings.WEBHOOK_ALLOW_LOOPBACK
    for address in addresses:
        if not (trusted or address_allowed(address) or (loopback_ok and _unwrap(address).is_loopback)):
            raise UrlRefused(
                _(
                    "The host resolves to a private, loopback, link-local, multicast or reserved "
                    "address; webhooks are only sent to public addresses."
                )
            )
    if scheme == "http" and not (loopback_ok and all(_unwrap(a).is_loopback for a in addresses)):
        raise UrlRefused(_("Only https URLs are accepted."))
    return Target(url=url.strip(), host=host, port=port, addresses=tuple(str(a) for a in addresses))


def address_allowed(address: IPAddress) -> bool:
    """A public unicast address, or one in a network the operator allowed for on-premise receivers."""
    if any(address in network for network in _allowed_networks()):
        return True
    return not _blocked(address)


def _addresses(host: str, port: int) -> list[IPAddress]:
    literal = _literal(host)
    if literal is not None:
        return [literal]
    name = host.lower()
    if "." not in name or name in INTERNAL_NAMES or name.endswith(INTERNAL_SUFFIXES):
        if name == "localhost" or name.endswith(".localhost"):
            return _resolved(name, port)  # loopback: allowed only where WEBHOOK_ALLOW_LOOPBACK is on
        raise UrlRefused(_("Internal host names are not accepted for webhooks."))
    return _resolved(name, port)


def _resolved(name: str, port: int) -> list[IPAddress]:
    try:
        found = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolve(name, port)]
    except (OSError, UnicodeError, ValueError):
        found = []
    if not found:
        raise UrlRefused(_("The host name does not resolve."))
    return found


def _literal(host: str) -> IPAddress | None:
    """An address written as the host, including the legacy IPv4 forms (127.1, 0x7f000001, 2130706433)
    that resolvers accept without asking DNS."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries (mapped, compatible, Teredo), else the address itself."""
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.teredo is not None:
            return address.teredo[1]
        if int(address) >> 32 == 0 and int(address) > 1:  # IPv4-compatible ::a.b.c.d (deprecated)
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def _blocked(address: IPAddress) -> bool:
    inner = _unwrap(address)
    return any(
        (
            not address.is_global,
            address.is_multicast,
            address.is_reserved,
            any(address in network for network in EXTRA_BLOCKED),
            inner is not address and _blocked(inner),
        )
    )


def _allowed_networks() -> tuple[IPNetwork, ...]:
    return _parse_allow_list(tuple(settings.WEBHOOK_ALLOW_LIST))[0]


def _allowed_hosts() -> frozenset[str]:
    return _parse_allow_list(tuple(settings.WEBHOOK_ALLOW_LIST))[1]


@lru_cache(maxsize=8)
def _parse_allow_list(entries: tuple[str, ...]) -> tuple[tuple[IPNetwork, ...], frozenset[str]]:
    networks, hosts = [], set()
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            hosts.add(entry.lower().rstrip("."))
    return tuple(networks), frozenset(hosts)
