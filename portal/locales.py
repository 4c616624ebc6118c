"""Facts about languages that the web pages and the messages share."""

from __future__ import annotations

# Languages written right to left: pages and messages in them get dir="rtl".
RTL_LOCALES = frozenset({"ar", "fa", "he", "ur"})
