"""A stub resolver for the webhook URL policy: the suite never asks real DNS."""

import socket

from coordination.notifications import url_policy


class StubResolver:
    """Answers from a table; a name ending in `.example.cn` points at loopback, anything else is unknown."""

    def __init__(self, names: dict[str, list[str]] | None = None):
        self.names = dict(names or {})
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host in self.names:
            return list(self.names[host])
        if host.endswith(".example.cn"):
            return ["127.0.0.1"]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def install(monkeypatch, names: dict[str, list[str]] | None = None) -> StubResolver:
    stub = StubResolver(names)
    monkeypatch.setattr(url_policy, "resolve", stub)
    return stub
