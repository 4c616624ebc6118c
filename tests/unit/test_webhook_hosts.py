"""Where the portal refuses to send a webhook: a host name that leads into a private, loopback or
link-local network is a permanent failure in production, checked as each try is sent."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal.notify.channels import PermanentFailure
from portal.notify.webhook_channel import WebhookChannel, refuse_private_hosts
from portal.notify.webhooks import Target

MESSAGE = SimpleNamespace(context={"payload": {"type": "case.created"}, "webhook_id": "msg_1"})
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.mark.parametrize("url", ["https://localhost/hooks", "https://127.0.0.1:8443/hooks", "http://10.1.2.3/h",
                                 "https://[::1]/h", "https://169.254.169.254/latest/meta-data"])
def test_a_receiver_inside_a_private_network_is_refused_for_good(url):
    with pytest.raises(PermanentFailure):
        refuse_private_hosts(url)
    with pytest.raises(PermanentFailure):
        WebhookChannel(timeout=1).send(MESSAGE, Target(url=url, secret=SECRET))


def test_public_addresses_pass_and_development_may_reach_this_machine():
    refuse_private_hosts("https://8.8.8.8/hooks")  # no name to resolve: no network needed
    # Where local receivers are allowed (development, tests) the check is not made: the POST is
    # tried, and fails to connect on a closed port, which is worth another try, not a refusal.
    with pytest.raises(Exception) as tried:
        WebhookChannel(timeout=1, local_ok=True).send(MESSAGE, Target(url="http://127.0.0.1:9/h", secret=SECRET))
    assert not isinstance(tried.value, PermanentFailure)
