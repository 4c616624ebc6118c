"""Sending one webhook delivery: signed per the Standard Webhooks specification by the
``standardwebhooks`` package (HMAC-SHA256 over ``id.timestamp.body`` with the subscription's
``whsec_`` secret) at the moment it is sent, POSTed once per try.

``send`` returns the receiver's status on success (2xx) and raises otherwise: ``ReceiverError``
(with the status) for any other answer, ``requests``' errors when the receiver is slow, unreachable
or answers something that is not HTTP. The worker records each try and decides when to try again.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from standardwebhooks import Webhook

from .channels import PermanentFailure
from .webhooks import Target

USER_AGENT = "CivicPortal-Webhooks/1"


class ReceiverError(Exception):
    """The receiver answered, but not with success: worth another try."""

    def __init__(self, status: int):
        super().__init__(f"the receiver answered {status}")
        self.response_code = status


def body_of(message) -> str:
    return json.dumps(message.context["payload"], separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def signed_headers(secret: str, message_id: str, body: str, now: datetime) -> dict[str, str]:
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=now, data=body)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature, "content-type": "application/json", "user-agent": USER_AGENT}


class WebhookChannel:
    """POSTs one signed delivery, once per try: no redirects followed, no proxies from the
    environment, no automatic retries (the worker decides when to try again)."""

    def __init__(self, timeout: float = 10.0, clock=lambda: datetime.now(UTC), *, local_ok: bool = False):
        self.timeout = timeout
        self.clock = clock
        self.local_ok = local_ok  # development and tests: receivers on this machine are fine

    @classmethod
    def from_config(cls, config) -> WebhookChannel:
        return cls(timeout=float(config.get("WEBHOOK_TIMEOUT", 10)), local_ok=bool(config.get("WEBHOOK_ALLOW_HTTP")))

    def send(self, message, target: Target) -> int:
        if target is None or not message.context.get("payload"):
            raise PermanentFailure("the delivery has no subscription or no payload")
        if not self.local_ok:
            refuse_private_hosts(target.url)
        body = body_of(message)
        headers = signed_headers(target.secret, message.context["webhook_id"], body, self.clock())
        with requests.Session() as http:
            http.trust_env = False
            response = http.post(target.url, data=body.encode("utf-8"), headers=headers,
                                 timeout=(self.timeout, self.timeout), allow_redirects=False, stream=True)
            response.close()  # what the receiver says beyond its status is not read
        if not 200 <= response.status_code < 300:
            raise ReceiverError(response.status_code)
        return response.status_code


def refuse_private_hosts(url: str) -> None:
    """A permanent failure when the receiver's host name leads to an address that is not on the
    public internet (private, loopback, link-local, reserved): a subscription may not reach into
    the agency's own network. Checked as each try is sent, since names can change where they lead.
    (Requests resolves the name again to connect; an answer that changes between the two is not
    caught here.)"""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname or "", port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return  # the POST fails to connect as well, and is tried again later
    for *_, address in found:
        if not ipaddress.ip_address(address[0].split("%", 1)[0]).is_global:
            raise PermanentFailure("the receiver's host name leads to an address that is not public")
