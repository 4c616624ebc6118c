"""Passwords after NIST SP 800-63B: length, not composition; a blocklist; argon2id hashes."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 256  # far above the 64 the standard asks us to allow

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when no account matches, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password; only here to spend the same time")


@lru_cache(maxsize=1)
def _blocklist() -> frozenset[str]:
    # zxcvbn ships the 30,000 most common passwords from breach corpora.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.casefold() for p in FREQUENCY_LISTS["passwords"])


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def problem(password: str, *, context: tuple[str, ...] = ()) -> str | None:
    """Why a new password cannot be used ("too_short", "too_long", "common"), or None."""
    password = normalise(password)
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    folded = password.casefold()
    if folded in _blocklist() or len(set(folded)) <= 2:
        return "common"
    for item in context:
        local = item.casefold().partition("@")[0]
        if len(local) >= 4 and local in folded:
            return "common"
    from zxcvbn import zxcvbn

    # Guessable patterns (dictionary words with digits, keyboard walks, repeats, dates, the
    # person's own email or name) count as common: score 0–2 means quickly guessed.
    words = [w for item in context for w in item.replace("@", " ").replace(".", " ").split() if w]
    if zxcvbn(password[:100], user_inputs=words)["score"] < 3:
        return "common"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(normalise(password))


def verify(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches. Takes the same time when there is no hash to check."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, normalise(password)) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
