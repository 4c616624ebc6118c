"""The case domain: drafts, submission, references, statuses, tracking. No Flask in here."""

# Case events become webhook deliveries as they are flushed (one hook for every change).
from . import webhooks  # noqa: E402, F401
