"""A webhook receiver on loopback that records what it gets and answers as told."""

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict
    body: bytes
    answered: int | None = None
    finished: bool = False


@dataclass
class Receiver:
    status: int = 200
    hold: threading.Event | None = None  # when set, requests wait on it before answering
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                entry = Received(dict(self.headers), body)
                receiver.received.append(entry)
                receiver.arrived.set()
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                try:
                    if not _peer_gone(self.connection):
                        self.send_response(receiver.status)
                        self.end_headers()
                        self.wfile.write(b"{}")
                        entry.answered = receiver.status
                except OSError:
                    pass  # the sender died while we held the request
                finally:
                    entry.finished = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    @property
    def in_flight(self) -> int:
        """Requests received and not answered yet (held, or being answered)."""
        return sum(1 for r in list(self.received) if not r.finished)

    def acknowledged(self, delivery_id: str) -> int:
        return sum(
            1
            for r in self.received
            if r.answered == 200 and r.headers.get("X-TechFin-Delivery") == delivery_id
        )

    def close(self):
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


def _peer_gone(connection: socket.socket) -> bool:
    """The sender closed its end (it was killed while we held its request): an answer would reach nobody."""
    try:
        return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
