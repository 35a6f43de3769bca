"""A webhook receiver on loopback that records what it gets and answers as told."""

import socket
import ssl
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
    answer: bytes = b"{}"
    hold: threading.Event | None = None  # when set, requests wait on it before answering
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    tls: ssl.SSLContext | None = None  # serve https with this server context

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
                        self.send_header("Content-Length", str(len(receiver.answer)))
                        self.end_headers()
                        self.wfile.write(receiver.answer)
                        entry.answered = receiver.status
                except OSError:
                    pass  # the sender died while we held the request
                finally:
                    entry.finished = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if self.tls is not None:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.server.server_port}/hook"

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


class DribblingReceiver:
    """A receiver that reads the request, then answers one byte every `interval` seconds.

    `holding` counts the requests it is dribbling to right now; `finished` is set once a whole answer
    went out. `close()` ends every dribble by closing its connection.
    """

    ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"

    def __init__(self, interval: float):
        self.interval = interval
        self.arrived = threading.Event()
        self.finished = threading.Event()
        self.stopped = threading.Event()
        self.holding = 0
        self._lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._dribble, args=(conn,), daemon=True).start()

    def _dribble(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                request += chunk
            with self._lock:
                self.holding += 1
            self.arrived.set()
            try:
                for byte in self.ANSWER:
                    if self.stopped.wait(self.interval):
                        return
                    conn.sendall(bytes([byte]))
                self.finished.set()
            except OSError:
                pass  # the sender gave up: the point of the deadline
            finally:
                with self._lock:
                    self.holding -= 1

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()


def _peer_gone(connection: socket.socket) -> bool:
    """The sender closed its end (it was killed while we held its request): an answer would reach nobody."""
    if isinstance(connection, ssl.SSLSocket):
        return False  # TLS sockets take no recv flags; the TLS tests never kill their sender
    try:
        return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
