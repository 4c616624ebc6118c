"""Pages for anyone: home, services, help, accessibility and privacy, the health check, and the
unsubscribe link in optional messages."""

from . import health, pages, unsubscribe

BLUEPRINTS = (health.bp, pages.bp, unsubscribe.bp)
