"""Notifications: queued in the outbox with the change that owes them, delivered by the worker."""
