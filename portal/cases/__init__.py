"""The case domain: drafts, submission, references, statuses, tracking. No Flask in here."""
