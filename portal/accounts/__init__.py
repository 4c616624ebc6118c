"""Residents' accounts: passwords, sessions, email links, contact preferences. No Flask in here."""
