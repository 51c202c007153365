"""A small real SMTP server on a local socket, for the letter email tests: it speaks
enough SMTP for :mod:`smtplib` (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every
message it accepts, and refuses the recipients it is told to refuse (550)."""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest


@dataclass
class MailBox:
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    port: int = 0


class _Handler(socketserver.StreamRequestHandler):
    box: MailBox

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._say("220 test.example ESMTP ready")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-test.example\r\n250 8BITMIME\r\n")
            elif verb == "RCPT":
                address = command.partition(":")[2].strip().strip("<>").lower()
                if address in self.box.refuse:
                    self._say("550 5.1.1 no such mailbox here")
                else:
                    self._say("250 OK")
            elif verb == "DATA":
                self._say("354 go ahead")
                data = bytearray()
                while True:
                    line = self.rfile.readline()
                    if not line or line in (b".\r\n", b".\n"):
                        break
                    data += line[1:] if line.startswith(b"..") else line
                message = email.message_from_bytes(bytes(data), policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                self.box.messages.append(message)
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:  # MAIL, RSET, NOOP
                self._say("250 OK")


@pytest.fixture
def mailbox() -> Iterator[MailBox]:
    box = MailBox()
    handler = type("Handler", (_Handler,), {"box": box})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    box.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()
