"""Delivery channels: email over SMTP, text messages through a transport, printed letters and call
sheets written to the mail room.

A channel's ``send`` returns on success and raises on failure: ``PermanentFailure`` when trying
again cannot help, anything else (including a timeout) means "try again later".
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import re
import smtplib
import socket
import ssl
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from .mailroom import LAYOUT as MAILROOM_LAYOUT
from .render import Rendered

log = logging.getLogger("portal.notify")
sms_log = logging.getLogger("portal.sms")

# 7bit: every part is quoted-printable or base64, so any mail server takes it.
POLICY = SMTP.clone(cte_type="7bit")
_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


class PermanentFailure(Exception):
    """Sending this message can never succeed (e.g. the server refused the address for good)."""


class Outgoing(Protocol):
    id: int
    key: str
    channel: str
    recipient: dict[str, Any]


class Channel(Protocol):
    timeout: float

    def send(self, message: Outgoing, rendered: Rendered) -> None: ...


def header_safe(value: str | None, limit: int = 200) -> str:
    """A value fit for one header line: control characters (CR, LF…) become spaces."""
    return " ".join(_HEADER_UNSAFE.sub(" ", value or "").split())[:limit]


def message_id(key: str, domain: str) -> str:
    """The same Message-ID for every try of one message, so a resend can be recognised."""
    readable = re.sub(r"[^A-Za-z0-9]+", ".", key).strip(".")[:60] or "message"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"<{readable}.{digest}@{domain}>"


def _atomic_write(path: Path, data: str) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place, so a reader
    never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class SmtpChannel:
    def __init__(self, *, host: str, port: int, mail_from: str, username: str | None = None,
                 password: str | None = None, starttls: bool = False, timeout: float = 10.0,
                 local_hostname: str | None = None):
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password, self.starttls = username, password, starttls
        name, address = parseaddr(mail_from)
        if "@" not in address:
            raise ValueError(f"MAIL_FROM {mail_from!r} has no email address")
        self.envelope_from = address
        self.domain = address.rsplit("@", 1)[1]
        local, _at, domain = address.partition("@")
        self.from_header = Address(display_name=header_safe(name), username=local, domain=domain)
        self.local_hostname = local_hostname or socket.getfqdn()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpChannel:
        return cls(host=config["SMTP_HOST"], port=config["SMTP_PORT"], mail_from=config["MAIL_FROM"],
                   username=config.get("SMTP_USERNAME"), password=config.get("SMTP_PASSWORD"),
                   starttls=config.get("SMTP_STARTTLS", False), timeout=config.get("SMTP_TIMEOUT", 10))

    def build(self, message: Outgoing, rendered: Rendered, now: datetime | None = None) -> EmailMessage:
        to = message.recipient.get("email") or ""
        if _HEADER_UNSAFE.search(to) or parseaddr(to)[1] != to or "@" not in to:
            raise PermanentFailure("the recipient's email address is not usable")
        local, _at, domain = to.rpartition("@")
        try:
            recipient = Address(display_name=header_safe(message.recipient.get("name")), username=local,
                                domain=domain)
        except ValueError as error:
            raise PermanentFailure(f"the recipient's email address is not usable: {error}") from None
        email = EmailMessage(policy=POLICY)
        email["From"] = self.from_header
        email["To"] = recipient
        email["Subject"] = header_safe(rendered.subject, 250)
        email["Date"] = format_datetime(now or datetime.now(UTC))
        email["Message-ID"] = message_id(message.key, self.domain)
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(rendered.text, subtype="plain", charset="utf-8")
        if rendered.html:
            email.add_alternative(rendered.html, subtype="html", charset="utf-8")
        # After the content: setting it clears every Content-* header.
        for name, value in rendered.headers.items():
            name = re.sub(r"[^A-Za-z0-9-]", "", name)[:60]
            if name:
                email[name] = header_safe(value, 900)
        return email

    def send(self, message: Outgoing, rendered: Rendered) -> None:
        email = self.build(message, rendered)
        with smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname,
                          timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
            try:
                # The envelope names the one recipient: nothing in the headers can add another.
                smtp.send_message(email, from_addr=self.envelope_from, to_addrs=[message.recipient["email"]])
            except smtplib.SMTPRecipientsRefused as refused:
                codes = [code for code, _text in refused.recipients.values()]
                if codes and all(500 <= code < 600 for code in codes):
                    raise PermanentFailure(f"the mail server refused the recipient ({codes[0]})") from None
                raise


class SmsTransport(Protocol):
    timeout: float

    def send(self, phone: str, text: str, *, key: str) -> None: ...


def _masked(phone: str) -> str:
    """A phone number for the log: only its last four digits show."""
    if len(phone) <= 4:
        return "••••"
    return re.sub(r"\d", "•", phone[:-4]) + phone[-4:]


class LogSmsTransport:
    """Development: writes each text message to the ``portal.sms`` log instead of sending it."""

    timeout = 5.0

    def __init__(self, config: Mapping[str, Any] | None = None):
        pass

    def send(self, phone: str, text: str, *, key: str) -> None:
        sms_log.info("text message to %s (%d characters, %s): %s", _masked(phone), len(text), key, text)


SMS_TRANSPORTS: dict[str, type] = {"log": LogSmsTransport}


class UnknownTransport(ValueError):
    pass


def sms_transport(name: str, config: Mapping[str, Any]) -> SmsTransport:
    """The transport SMS_TRANSPORT names: a known name, or ``package.module:Class`` for a provider
    (built with the app's config)."""
    if name in SMS_TRANSPORTS:
        return SMS_TRANSPORTS[name](config)
    if ":" in name:
        module_name, _colon, attribute = name.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            raise UnknownTransport(f"SMS_TRANSPORT {name!r} cannot be loaded: {error}") from None
        return factory(config)
    raise UnknownTransport(
        f"SMS_TRANSPORT {name!r} is not a known text message transport: use "
        f"{', '.join(sorted(SMS_TRANSPORTS))} (development), or package.module:Class for a provider."
    )


class SmsChannel:
    def __init__(self, transport: SmsTransport):
        self.transport = transport
        self.timeout = float(getattr(transport, "timeout", 10.0))

    def send(self, message: Outgoing, rendered: Rendered) -> None:
        phone = message.recipient.get("phone") or ""
        if not re.fullmatch(r"\+[1-9]\d{6,14}", phone):
            raise PermanentFailure("the recipient's phone number is not usable")
        self.transport.send(phone, rendered.text, key=message.key)


class _MailroomChannel:
    timeout = 30.0
    folder = ""
    suffix = ""

    def __init__(self, mailroom: str | Path, timezone: str = "UTC", clock=lambda: datetime.now(UTC)):
        self.mailroom = Path(mailroom)
        self.zone = ZoneInfo(timezone)
        self.clock = clock

    def day_folder(self) -> Path:
        return self.mailroom / self.folder / self.clock().astimezone(self.zone).date().isoformat()

    def path_for(self, message: Outgoing) -> Path:
        return self.day_folder() / f"{message.id}{self.suffix}"


class LetterChannel(_MailroomChannel):
    """Writes the printable letter to MAILROOM_DIR/letters/<yyyy-mm-dd>/<id>.html, with the
    stylesheet it links to beside it, for the mail room to print and post."""

    folder, suffix = MAILROOM_LAYOUT["letter"]

    def send(self, message: Outgoing, rendered: Rendered) -> None:
        if not rendered.html:
            raise PermanentFailure("the letter has no content")
        path = self.path_for(message)
        if rendered.stylesheet is not None:
            css = path.parent / "letter.css"
            if not css.is_file() or css.read_text(encoding="utf-8") != rendered.stylesheet:
                _atomic_write(css, rendered.stylesheet)
        _atomic_write(path, rendered.html)
        log.info("letter %s written to %s", message.id, path)


class CallChannel(_MailroomChannel):
    """Writes the call sheet to MAILROOM_DIR/calls/<yyyy-mm-dd>/<id>.txt for the contact centre."""

    folder, suffix = MAILROOM_LAYOUT["call"]

    def send(self, message: Outgoing, rendered: Rendered) -> None:
        path = self.path_for(message)
        _atomic_write(path, rendered.text)
        log.info("call sheet %s written to %s", message.id, path)


def build(config: Mapping[str, Any]) -> dict[str, Channel]:
    """Every channel, set up from the app's config. Raises UnknownTransport for a bad SMS_TRANSPORT."""
    zone = config.get("BABEL_DEFAULT_TIMEZONE", "UTC")
    return {
        "email": SmtpChannel.from_config(config),
        "sms": SmsChannel(sms_transport(config.get("SMS_TRANSPORT") or "log", config)),
        "letter": LetterChannel(config["MAILROOM_DIR"], zone),
        "call": CallChannel(config["MAILROOM_DIR"], zone),
    }
