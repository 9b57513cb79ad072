"""Outgoing email over SMTP, when it is configured."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class Mailer:
    """Sends plain-text email; ``host`` None means email is off and nothing is sent."""

    host: str | None
    port: int = 587
    user: str | None = None
    password: str | None = None
    sender: str = "sharedbuy@localhost"
    starttls: bool = True
    smtp_factory: Callable[[str, int], smtplib.SMTP] = smtplib.SMTP

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    def send(self, to: str, subject: str, body: str) -> bool:
        """Send one message; False when email is off."""
        if not self.host:
            return False
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with self.smtp_factory(self.host, self.port) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)
        return True
