"""Files on disk, under random names, in a folder outside the web root.

A file is written to a temporary name in its final folder, flushed to disk and renamed into place,
so a reader never sees half a file. The database decides what exists: a file written in a
transaction that rolls back is deleted again, and a removed document's file is deleted only once
the removal is committed.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("portal.documents")

_WRITTEN = "documents.written"  # paths written in the session's transaction
_DELETED = "documents.deleted"  # paths to delete once the transaction commits


def new_storage_name() -> str:
    return secrets.token_hex(20)


class Storage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, storage_name: str) -> Path:
        # Names are only ever ones we generated; anything else is a bug, never a path to follow.
        if len(storage_name) != 40 or not all(c in "0123456789abcdef" for c in storage_name):
            raise ValueError("not a storage name")
        return self.root / storage_name[:2] / storage_name

    def write(self, session: Session, data: bytes) -> str:
        """Store the bytes under a new name; the file goes away again if the transaction rolls back."""
        name = new_storage_name()
        final = self.path(name)
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = final.with_name(f".{name}.{secrets.token_hex(4)}.part")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, final)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _sync_folder(final.parent)
        session.info.setdefault(_WRITTEN, []).append(final)
        return name

    def open(self, storage_name: str) -> BinaryIO:
        return self.path(storage_name).open("rb")

    def delete_on_commit(self, session: Session, storage_name: str) -> None:
        unlink_after_commit(session, self.path(storage_name))


def unlink_after_commit(session: Session, path: Path) -> None:
    """Delete the file at ``path`` once the session's transaction commits (never if it rolls back)."""
    session.info.setdefault(_DELETED, []).append(path)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - some platforms cannot open a folder
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:  # pragma: no cover - logged; a leftover file is found by its missing row
            log.warning("could not delete stored file %s", path.name)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: only the outer commit makes a removal final
    session.info.pop(_WRITTEN, None)
    _unlink(session.info.pop(_DELETED, []))


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    session.info.pop(_DELETED, None)
    _unlink(session.info.pop(_WRITTEN, []))
