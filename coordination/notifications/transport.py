"""One HTTP POST to a vetted webhook target, bounded as a whole and connected only to vetted addresses.

libcurl does the two things a per-read timeout cannot: CURLOPT_TIMEOUT_MS is a deadline for the whole
request (a receiver dribbling one byte every few seconds is cut there), and CURLOPT_RESOLVE pins the
host name to the addresses the URL policy vetted while Host and TLS SNI/certificate checks keep the
name. The open-socket callback refuses any other address, so the check holds for the socket itself.
Failures are reported in words that tell a subscriber nothing about the network behind the target.
"""

import ipaddress
import logging
import socket
from dataclasses import dataclass

import certifi
import pycurl
from django.conf import settings

from .url_policy import Target

logger = logging.getLogger(__name__)

REFUSED = "refused by URL policy"
TIMED_OUT = "timed out"
CONNECTION_FAILED = "connection failed"
EXCERPT_CHARS = 256  # DeliveryAttempt.response_excerpt holds this much of an answer, no more


class DeliveryFailed(Exception):
    def __init__(self, message: str, status: int | None = None, excerpt: str = ""):
        super().__init__(message)
        self.status = status
        self.excerpt = excerpt


@dataclass(frozen=True)
class Reply:
    status: int
    excerpt: str


class _Body:
    """Keeps the first bytes of the answer and stops the transfer once the excerpt is full."""

    def __init__(self, limit: int):
        self.limit = limit
        self.data = bytearray()
        self.full = False

    def write(self, chunk: bytes) -> int:
        self.data += chunk[: self.limit - len(self.data)]
        if len(self.data) >= self.limit:
            self.full = True
            return 0  # anything but len(chunk) makes libcurl stop reading
        return len(chunk)

    def excerpt(self) -> str:
        return self.data.decode("utf-8", "replace").replace("\x00", "")[: self.limit]


def post(target: Target, body: bytes, headers: dict[str, str]) -> Reply:
    answer = _Body(EXCERPT_CHARS)
    vetted = {ipaddress.ip_address(a) for a in target.addresses}
    refused = []

    def open_socket(purpose, address):
        if ipaddress.ip_address(address.addr[0].split("%", 1)[0]) not in vetted:
            refused.append(address.addr[0])
            return pycurl.SOCKET_BAD
        return socket.socket(address.family, address.socktype, address.protocol)

    curl = pycurl.Curl()
    try:
        curl.setopt(pycurl.URL, target.url)
        if not target.is_literal:
            pinned = ",".join(f"[{a}]" if ":" in a else a for a in target.addresses)
            curl.setopt(pycurl.RESOLVE, [f"{target.host}:{target.port}:{pinned}"])
        curl.setopt(pycurl.OPENSOCKETFUNCTION, open_socket)
        curl.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        curl.setopt(pycurl.FOLLOWLOCATION, False)
        curl.setopt(pycurl.PROXY, "")  # never through a proxy taken from the environment
        curl.setopt(pycurl.NOSIGNAL, True)
        curl.setopt(pycurl.CAINFO, settings.WEBHOOK_CA_BUNDLE or certifi.where())
        curl.setopt(pycurl.CONNECTTIMEOUT_MS, int(settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS * 1000))
        curl.setopt(pycurl.TIMEOUT_MS, int(settings.WEBHOOK_TIMEOUT_SECONDS * 1000))
        curl.setopt(pycurl.POSTFIELDS, body)
        # "Expect:" off: no 100-continue round trip for larger bodies.
        curl.setopt(pycurl.HTTPHEADER, [*(f"{name}: {value}" for name, value in headers.items()), "Expect:"])
        curl.setopt(pycurl.WRITEFUNCTION, answer.write)
        try:
            curl.perform()
        except pycurl.error as exc:
            code = exc.args[0]
            if not (code == pycurl.E_WRITE_ERROR and answer.full):
                logger.info("webhook to %s failed: curl %s %s", target.host, code, exc.args[1:])
                if refused:
                    raise DeliveryFailed(REFUSED) from None
                raise DeliveryFailed(
                    TIMED_OUT if code == pycurl.E_OPERATION_TIMEDOUT else CONNECTION_FAILED
                ) from None
        return Reply(status=curl.getinfo(pycurl.RESPONSE_CODE), excerpt=answer.excerpt())
    finally:
        curl.close()
