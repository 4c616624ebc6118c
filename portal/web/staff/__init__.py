"""The staff workspace: signing in, the queues, the case page, cases entered for residents, the
preview of services, and administration. Every page needs a signed-in member of staff; what they
may see and do there is the domain's policy, from their roles and departments."""

# Modules that add their pages to another's blueprint: entry_resident to entry.bp; preview_check
# and preview_groups to preview.bp; enrol and provider to auth.bp.
from . import (  # noqa: F401
    actions,
    admin,
    auth,
    bulk,
    case,
    enrol,
    entry,
    entry_resident,
    preview,
    preview_check,
    preview_groups,
    provider,
    queue,
    response_templates,
    reverify,
    transfer,
    webhooks,
)

BLUEPRINTS = (auth.bp, queue.bp, case.bp, entry.bp, preview.bp, actions.bp, response_templates.bp, transfer.bp,
              enrol.account_bp, reverify.bp, admin.bp, bulk.bp,
              webhooks.bp)
