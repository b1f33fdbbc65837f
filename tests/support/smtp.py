"""A real SMTP server on loopback for notification tests: aiosmtpd, in this process, on a free port.

`mailbox()` yields a `Mailbox`: its `messages` are the mails the server accepted (parsed, with the raw
bytes kept), `stop()` takes the server down (connections are refused: a mail server away) and
`start()` brings it back on the same port. The fixture stops it whatever the test did.
"""
from __future__ import annotations

import contextlib
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


@dataclass
class Mailbox:
    port: int
    host: str = "127.0.0.1"
    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)      # recipient -> SMTP reply, e.g. "550 无此用户"
    _controller: object = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
                                          or envelope.content))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller
        if self._controller is None:
            self._controller = Controller(self, hostname=self.host, port=self.port, ready_timeout=10,
                                          enable_SMTPUTF8=True)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.recipients]


@contextlib.contextmanager
def mailbox():
    box = Mailbox(port=free_port())
    box.start()
    try:
        yield box
    finally:
        box.stop()
