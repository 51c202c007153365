"""Emailing a letter: one message with the letter's text and its PDF attached, sent with
:mod:`smtplib` to the mail server of the settings (``BANDWISE_SMTP_*``). Without a mail
server nothing is emailed.

Sending happens after the letter is stored (never inside a transaction: a slow mail
server must not hold the database), and its result is then recorded on the letter
(``sent_at``, or ``send_error``; ``send_attempts`` counts tries) with an audit event,
``letter.emailed`` or ``letter.email-failed``. A failed letter can be sent again.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from ..settings import Settings

#: How long one conversation with the mail server may take before it counts as failed.
SMTP_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True, slots=True)
class Mailer:
    """The mail server letters are sent through."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str = ""
    starttls: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer | None:
        """The settings' mail server, or None when ``smtp_host`` is not set."""
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from or f"bandwise@{settings.smtp_host}",
            username=settings.smtp_username or None,
            password=settings.smtp_password.get_secret_value(),
            starttls=settings.smtp_starttls,
        )


@dataclass(frozen=True, slots=True)
class Outgoing:
    to_name: str
    to_email: str
    subject: str
    text: str
    pdf: bytes
    filename: str


def message_of(mailer: Mailer, letter: Outgoing) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mailer.sender
    message["To"] = formataddr((letter.to_name, letter.to_email))
    message["Subject"] = letter.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=mailer.sender.rpartition("@")[2] or None)
    message.set_content(letter.text)
    message.add_attachment(
        letter.pdf, maintype="application", subtype="pdf", filename=letter.filename
    )
    return message


def send(mailer: Mailer, letter: Outgoing) -> str | None:
    """Send the letter; None when the mail server accepted it, else why not (one line)."""
    try:
        with smtplib.SMTP(mailer.host, mailer.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if mailer.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if mailer.username:
                smtp.login(mailer.username, mailer.password)
            smtp.send_message(message_of(mailer, letter))
    except smtplib.SMTPResponseException as exc:
        raw = exc.smtp_error
        detail = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        return f"the mail server refused the letter ({exc.smtp_code} {detail})".strip()[:500]
    except smtplib.SMTPRecipientsRefused:
        return f"the mail server refused the address {letter.to_email}"
    except (smtplib.SMTPException, OSError) as exc:  # ssl errors and timeouts too
        reason = str(exc) or type(exc).__name__
        return f"could not send through {mailer.host}:{mailer.port}: {reason}"[:500]
    return None
