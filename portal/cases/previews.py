"""Previewing a service as residents see it, and checking a changed definition before it is published.

A preview writes nothing to the database: no draft, no case, no document, no message, no audit
record. A changed definition that passes the loader's checks is kept apart from the published
catalog, in a folder of its own (``CheckedStore``), for the member of staff who checked it: residents
keep the published definition until the catalog folder itself changes.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..actors import Actor
from ..catalog import Catalog, ServiceDefinition
from ..catalog.loader import read_definition
from . import policy

MAX_BYTES = 256 * 1024  # a definition file larger than this is refused unread
KEEP_SECONDS = 12 * 60 * 60  # how long a checked definition stays available to preview
PUBLISHED = "published"  # the version part of a preview's address for the published definition
_KEY = re.compile(r"[A-Za-z0-9_-]{22}")


class CheckRefused(ValueError):
    """The file could not be checked at all: ``reason`` is "too_large", "empty" or "not_found"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Checked:
    key: str
    definition: ServiceDefinition
    new: bool  # a service the published catalog does not have yet


def published(actor: Actor, catalog: Catalog, code: str) -> ServiceDefinition | None:
    """The published definition of ``code`` to preview (None: no such service)."""
    policy.require(actor, policy.CATALOG_PREVIEW)
    return catalog.service(code)


def may_check(actor: Actor) -> bool:
    return policy.allowed(actor, policy.CATALOG_CHECK)


def check(actor: Actor, catalog: Catalog, locales: Sequence[str], content: bytes, name: str) -> ServiceDefinition:
    """The definition in ``content``, checked against the published catalog's topics, departments
    and locales. Raises ``CatalogError`` (naming file and field) or ``CheckRefused``."""
    policy.require(actor, policy.CATALOG_CHECK)
    if len(content) > MAX_BYTES:
        raise CheckRefused("too_large")
    if not content.strip():
        raise CheckRefused("empty")
    return read_definition(content, name, catalog, locales)


def read_pointed(actor: Actor, folder: str | None, name: str) -> tuple[bytes, str]:
    """The content of the definition file ``name`` in ``folder`` (the folder where designers put
    changed definitions): a ``.yaml`` file inside it, never one outside."""
    policy.require(actor, policy.CATALOG_CHECK)
    if not folder or not name or "\x00" in name:
        raise CheckRefused("not_found")
    root = Path(folder).resolve()
    file = (root / name).resolve()
    if not file.is_relative_to(root) or file.suffix != ".yaml" or not file.is_file():
        raise CheckRefused("not_found")
    if file.stat().st_size > MAX_BYTES:
        raise CheckRefused("too_large")
    return file.read_bytes(), file.name


class CheckedStore:
    """Checked definitions, one JSON file each under a random key, readable only by the member of
    staff who checked them and only for ``KEEP_SECONDS``."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def keep(self, actor: Actor, catalog: Catalog, definition: ServiceDefinition, now: float | None = None) -> Checked:
        policy.require(actor, policy.CATALOG_CHECK)
        now = time.time() if now is None else now
        self.folder.mkdir(parents=True, exist_ok=True)
        self._forget_old(now)
        key = secrets.token_urlsafe(16)
        record = {"owner": actor.id, "at": now, "raw": definition.raw}
        (self.folder / f"{key}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        return Checked(key, definition, catalog.service(definition.code) is None)

    def get(self, actor: Actor, catalog: Catalog, key: str, now: float | None = None) -> Checked | None:
        """The definition kept under ``key`` by this actor, or None (unknown, someone else's, too old)."""
        policy.require(actor, policy.CATALOG_CHECK)
        if not _KEY.fullmatch(key or ""):
            return None
        try:
            record = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        now = time.time() if now is None else now
        if record.get("owner") != actor.id or now - record.get("at", 0) > KEEP_SECONDS:
            return None
        definition = ServiceDefinition(record["raw"])
        return Checked(key, definition, catalog.service(definition.code) is None)

    def _forget_old(self, now: float) -> None:
        for file in self.folder.glob("*.json"):
            try:
                if now - file.stat().st_mtime > KEEP_SECONDS:
                    file.unlink()
            except OSError:
                continue


def catalog_to_preview(actor: Actor, catalog: Catalog) -> Catalog:
    """The published catalog, for the list of services a member of staff may preview."""
    policy.require(actor, policy.CATALOG_PREVIEW)
    return catalog


def require_check(actor: Actor) -> None:
    policy.require(actor, policy.CATALOG_CHECK)
