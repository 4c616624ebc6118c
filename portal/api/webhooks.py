"""Webhook subscriptions through the API: a client lists, creates, reads, changes and deletes its
own (``webhooks:manage``). Another client's subscription is the same 404 as none at all. The
secret is shown once, in the answer to the POST that made it (and its replays).

What each delivery holds and how it is signed: ``portal.notify.webhooks``; which cases a client
hears of: the policy, as each event happens (``portal.cases.webhooks``)."""

from __future__ import annotations

from flask import current_app, g, url_for
from flask_babel import gettext

from .. import db
from ..accounts import webhooks
from ..notify.webhooks import EVENTS
from . import bp
from .common import json_body, operation, reply
from .idempotency import idempotent
from .problems import Problem
from .schemas import IDEMPOTENCY_KEY, SCHEMAS, TIME, problem, ref, responses

SCOPE = "webhooks:manage"
EVENT = {"type": "string", "enum": list(EVENTS)}
WEBHOOK_ID = {"name": "webhook_id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 32}}

_WEBHOOK = {"id": {"type": "string"}, "url": {"type": "string", "format": "uri"},
            "events": {"type": "array", "items": EVENT}, "active": {"type": "boolean"},
            "created_at": TIME, "updated_at": TIME}
SCHEMAS.update({
    "Webhook": {"type": "object", "properties": _WEBHOOK, "required": list(_WEBHOOK), "additionalProperties": False},
    "NewWebhook": {
        "type": "object", "description": "A subscription just made, with its signing secret (shown only now).",
        "properties": {**_WEBHOOK, "secret": {"type": "string", "pattern": "^whsec_",
                                               "description": "Standard Webhooks signing secret."}},
        "required": [*_WEBHOOK, "secret"], "additionalProperties": False},
    "WebhookList": {"type": "object", "properties": {"items": {"type": "array", "items": ref("Webhook")}},
                    "required": ["items"], "additionalProperties": False},
    "WebhookRequest": {
        "type": "object",
        "description": "Deliveries are POSTed to url (https), signed per Standard Webhooks, for the events "
                       "named, about the cases this client may read. Each payload is {type, timestamp, data} "
                       "where data names the case (reference, service_code, department, status) and what "
                       "happened, never the resident: read the case for more.",
        "properties": {"url": {"type": "string", "maxLength": webhooks.URL_MAX},
                       "events": {"type": "array", "items": EVENT, "minItems": 1},
                       "active": {"type": "boolean"}},
        "additionalProperties": False},
})
FIELDS = {"url", "events", "active"}


def _shown(subscription) -> dict:
    return {"id": subscription.public_id, "url": subscription.url, "events": list(subscription.events),
            "active": subscription.active, "created_at": subscription.created_at.isoformat(),
            "updated_at": subscription.updated_at.isoformat()}


def _detail(error: webhooks.WebhookError) -> str:
    events = ", ".join(EVENTS)
    if error.code == "no_url":
        return gettext("Give the receiver's address in url.")
    if error.code == "insecure_url":
        return gettext("The url must be an https address.")
    if error.code == "private_url":
        return gettext("The url names a private or local host. Receivers must be reachable public hosts.")
    if error.code == "no_events":
        return gettext("Give events: a list of one or more of %(events)s.", events=events)
    if error.code == "unknown_event":
        return gettext("There is no event called %(event)s. The events are: %(events)s.", event=error.detail,
                       events=events)
    if error.code == "too_many":
        return gettext("This client has %(limit)s subscriptions already. Delete one first.", limit=error.detail)
    if error.code == "bad_active":
        return gettext("active must be true or false.")
    return gettext("The url is not a usable address: give https://host/path, with no user name or fragment.")


def _body(required: bool) -> dict:
    body = json_body()
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise Problem("invalid-body", detail=gettext("The body has a field the API does not know: %(field)s.",
                                                     field=unknown[0]))
    if required and "url" not in body:
        raise Problem("invalid-body", detail=_detail(webhooks.WebhookError("no_url")))
    if required and "events" not in body:
        raise Problem("invalid-body", detail=_detail(webhooks.WebhookError("no_events")))
    return body


def _own(webhook_id: str):
    found = webhooks.find(db.session(), g.api_client, webhook_id)
    if found is None:
        raise Problem("not-found")
    return found


@bp.get("/webhooks")
@operation({"operationId": "listWebhooks", "summary": "This client's webhook subscriptions", "tags": ["webhooks"],
            "responses": responses(200, ref("WebhookList"))}, scope=SCOPE)
def webhook_list(actor):
    return reply({"items": [_shown(s) for s in webhooks.for_client(db.session(), g.api_client)]})


@bp.post("/webhooks")
@operation({"operationId": "createWebhook", "summary": "Subscribe a receiver to case events (the secret is in "
                                                       "this answer only)",
            "tags": ["webhooks"],
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("WebhookRequest")}}},
            "responses": responses(201, ref("NewWebhook"), 400, 409, 413, 415, 422,
                                   headers={"Location": {"schema": {"type": "string"}}})}, scope=SCOPE)
@idempotent
def webhook_create(actor):
    body = _body(required=True)
    try:
        subscription, secret = webhooks.create(db.session(), actor, g.api_client, url=body["url"],
                                               events=body["events"],
                                               allow_http=current_app.config["WEBHOOK_ALLOW_HTTP"])
    except webhooks.WebhookError as error:
        raise Problem("invalid-body", detail=_detail(error)) from None
    location = url_for("api.webhook", webhook_id=subscription.public_id)
    return reply({**_shown(subscription), "secret": secret}, 201, {"Location": location})


@bp.get("/webhooks/<webhook_id>")
@operation({"operationId": "getWebhook", "summary": "One of this client's subscriptions", "tags": ["webhooks"],
            "parameters": [WEBHOOK_ID], "responses": responses(200, ref("Webhook"), 404)}, scope=SCOPE)
def webhook(actor, webhook_id: str):
    return reply(_shown(_own(webhook_id)))


@bp.patch("/webhooks/<webhook_id>")
@operation({"operationId": "changeWebhook", "summary": "Change a subscription's address, events, or pause it",
            "tags": ["webhooks"], "parameters": [WEBHOOK_ID],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("WebhookRequest")}}},
            "responses": responses(200, ref("Webhook"), 400, 404, 413, 415, 422)}, scope=SCOPE)
def webhook_change(actor, webhook_id: str):
    subscription = _own(webhook_id)
    body = _body(required=False)
    try:
        webhooks.change(db.session(), actor, subscription, url=body.get("url"), events=body.get("events"),
                        active=body.get("active"), allow_http=current_app.config["WEBHOOK_ALLOW_HTTP"])
    except webhooks.WebhookError as error:
        raise Problem("invalid-body", detail=_detail(error)) from None
    return reply(_shown(subscription))


@bp.delete("/webhooks/<webhook_id>")
@operation({"operationId": "deleteWebhook", "summary": "Delete a subscription: nothing more is sent to it",
            "tags": ["webhooks"], "parameters": [WEBHOOK_ID],
            "responses": {"204": {"description": "Deleted."},
                          **{str(code): problem(code) for code in (401, 403, 404, 406, 429, 500)}}}, scope=SCOPE)
def webhook_delete(actor, webhook_id: str):
    webhooks.delete(db.session(), actor, _own(webhook_id))
    response = current_app.response_class(status=204)
    del response.headers["Content-Type"]  # no body, so no type
    return response
