"""The staff navigation: each part of the workspace adds its link here with the permission that
makes it useful, and a member sees the links their roles give them (the pages check again)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import LazyString

from ...cases import policy


@dataclass(frozen=True)
class Item:
    endpoint: str
    label: LazyString
    permission: str | tuple[str, ...] | None  # None: every member of staff; a tuple: any one of them
    order: int

    def shown_to(self, actor) -> bool:
        if self.permission is None:
            return True
        wanted = (self.permission,) if isinstance(self.permission, str) else self.permission
        return any(policy.allowed(actor, permission) for permission in wanted)


ITEMS: list[Item] = []


def add(endpoint: str, label: LazyString, permission: str | tuple[str, ...] | None, order: int) -> None:
    ITEMS.append(Item(endpoint, label, permission, order))


def for_actor(actor) -> list[dict]:
    return [{"url": url_for(item.endpoint), "label": item.label}
            for item in sorted(ITEMS, key=lambda i: i.order) if item.shown_to(actor)]
