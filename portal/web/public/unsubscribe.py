"""One-click unsubscribe from an optional message (RFC 8058).

GET shows a page with a button; POST switches that kind of message off. POST needs no CSRF
token, because mail programs send it on the resident's behalf ("List-Unsubscribe-Post"); the
signed link is the only authority, and it can only switch one optional message type off.
"""

from __future__ import annotations

from contextlib import nullcontext

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import force_locale

from ... import db
from ...extensions import csrf
from ...notify import unsubscribe as domain
from ..security import personal_data
from ..visitor import actor

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
@personal_data
def unsubscribe(token: str):
    note = domain.find(db.session(), current_app.config["SECRET_KEY"], token)
    if note is None:
        abort(404)
    # The page speaks the message's language, unless the visitor picked another.
    language = nullcontext() if "lang" in request.args else force_locale(note.locale)
    with language:
        if request.method == "POST":
            domain.switch_off(db.session(), note, actor())
            return render_template("notifications/unsubscribed.html", template=note.template)
        return render_template("notifications/unsubscribe.html", template=note.template, token=token)
