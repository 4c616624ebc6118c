"""The resident's front door: report a problem or apply (question pages, repeating groups, files),
save and come back later, track a request and follow it up."""

from . import drafts, files, followup, groups, journey, report, tracking  # noqa: F401  (report and groups add their pages to journey.bp)

BLUEPRINTS = (journey.bp, drafts.bp, tracking.bp, followup.bp, files.bp)
