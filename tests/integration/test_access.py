"""Every route declares who may use it, and the app refuses to start when one does not."""

from __future__ import annotations

import pytest

from portal.web import access


def test_every_route_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints <= set(access.RULES)
    assert set(access.RULES) <= endpoints, "a rule for a route that no longer exists"


def test_an_undeclared_route_stops_start_up(app):
    app.add_url_rule("/undeclared", "undeclared", lambda: "x")
    with pytest.raises(access.UndeclaredAccess, match="undeclared"):
        access.check_declared(app)
