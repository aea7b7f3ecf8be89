"""
Real SMTP servers on localhost for tests (aiosmtpd), and the ways real ones fail.

- `SMTPServer`: records what it is sent; can refuse chosen recipients (`refuse`), be
  slow to accept each message (`delay`), never answer for chosen recipients (`stall`,
  until `recover()`), or hold a chosen recipient's message until the test lets it go
  (`hold`).
- `SilentServer`: accepts connections and never says a word, as a hung server does.
"""

import asyncio
import contextlib
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes

from aiosmtpd.controller import Controller


@dataclass
class RecordingHandler:
    refuse: set[str] = field(default_factory=set)
    messages: list = field(default_factory=list)
    delay: float = 0  # seconds before accepting each message
    stall: set[str] = field(default_factory=set)  # recipients whose RCPT is never answered
    hold: dict = field(default_factory=dict)  # recipient -> threading.Event releasing its DATA
    holding: threading.Event = field(default_factory=threading.Event)  # a message is held
    received: threading.Condition = field(default_factory=threading.Condition)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.stall:
            await asyncio.Event().wait()  # never answers; the client gives up
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            if gate := self.hold.pop(address, None):
                self.holding.set()
                await asyncio.to_thread(gate.wait, 30)
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.received:
            self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
            self.received.notify_all()
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        return [address for rcpt_tos, _ in self.messages for address in rcpt_tos]

    def wait_for_messages(self, count: int, timeout: float = 30) -> bool:
        """Block until the server has accepted `count` messages in all."""
        with self.received:
            return self.received.wait_for(lambda: len(self.messages) >= count, timeout)

    def recover(self) -> None:
        self.stall = set()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self, port: int | None = None):
        self.handler = RecordingHandler()
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class SilentServer:
    """A TCP server that accepts every connection and never sends a byte."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed by __exit__
            self.connections.append(connection)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.listener.close()
        self.thread.join(timeout=5)
        for connection in self.connections:
            connection.close()
