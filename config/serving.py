"""Where the web process listens and where absolute links point: one reading of HOST, PORT, BIND, SITE_URL.

The settings (SITE_URL), gunicorn (config/gunicorn.conf.py) and `make run` (the URL it prints) all read
the address from here, so the printed URL, the bound socket and the links in e-mails cannot disagree.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# A wildcard bind is reached from this machine on the loopback address of its family.
_WILDCARD_LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1"}


class AddressError(ValueError):
    """HOST, PORT or BIND cannot be read as a TCP address."""


@dataclass(frozen=True)
class ListenAddress:
    host: str
    port: int

    @property
    def bind(self) -> str:
        """The address in gunicorn's `--bind` syntax."""
        return f"{_bracketed(self.host)}:{self.port}"

    @property
    def url(self) -> str:
        """What a browser on this machine opens to reach the bound socket."""
        return f"http://{_bracketed(_WILDCARD_LOOPBACK.get(self.host, self.host))}:{self.port}"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _port(value: str, source: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise AddressError(f"{source} must be a TCP port between 1 and 65535, not {value!r}")
    return int(value)


def _split_bind(bind: str) -> tuple[str, str | None]:
    """`host:port`, `[v6]:port`, `host` or `[v6]` into host and port (None when absent)."""
    if bind.startswith("["):
        host, _, rest = bind[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise AddressError(f"BIND must look like host:port or [ipv6]:port, not {bind!r}")
        return host, rest[1:] or None
    if bind.count(":") > 1:  # a bare IPv6 address, no port
        return bind, None
    host, _, port = bind.partition(":")
    return host, port or None


def listen_address(environ: Mapping[str, str] = os.environ) -> ListenAddress:
    """BIND (`host:port`) wins over HOST and PORT; 127.0.0.1:8000 when none is set."""
    bind = environ.get("BIND", "").strip()
    if bind.startswith(("unix:", "fd://")):
        raise AddressError("BIND takes a TCP host:port; pass a unix socket to gunicorn's --bind directly")
    host, port = _split_bind(bind) if bind else (environ.get("HOST", "").strip(), None)
    if port is None:
        port = environ.get("PORT", "").strip() or str(DEFAULT_PORT)
        source = "PORT"
    else:
        source = "the port in BIND"
    return ListenAddress(host=host or DEFAULT_HOST, port=_port(port, source))


def site_url(environ: Mapping[str, str] = os.environ) -> str:
    """The base of every absolute link (no trailing slash): SITE_URL, else the address the web serves."""
    return (environ.get("SITE_URL", "").strip() or listen_address(environ).url).rstrip("/")


def host_of(url: str) -> str:
    """The host of a URL as Django's ALLOWED_HOSTS spells it (IPv6 in brackets)."""
    return _bracketed(urlsplit(url).hostname or "")
