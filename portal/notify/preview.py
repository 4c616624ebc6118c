"""What a resident will receive, shown before it is sent: the message about a case rendered as
the worker renders it (``render.render``), for the channel, language and formats the outbox would
choose now, without queueing anything."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from ..models import Case
from . import outbox
from .render import Rendered, render

PREVIEW_KEY = "preview"


def for_case(app: Flask, session: Session, case: Case, template: str, context: dict[str, Any]) -> Rendered | None:
    """The message ``template`` about ``case`` with ``context``, rendered exactly as it would be
    sent, or None when the resident gave no way to reach them (or switched it off). Nothing is
    added to the outbox. An optional message's unsubscribe link needs the queued message, so the
    preview has none."""
    message = outbox.message_for_case(session, case, template, PREVIEW_KEY, context)
    return None if message is None else render(app, message)

