"""The stored version of a service definition that a draft or case is given under."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..catalog import ServiceDefinition
from ..models import ServiceDefinitionVersion


def stored_version(session: Session, definition: ServiceDefinition) -> ServiceDefinitionVersion:
    """The row holding exactly this definition, added as the next version when it is new."""
    digest = definition.digest
    query = select(ServiceDefinitionVersion).filter_by(code=definition.code, digest=digest)
    row = session.scalar(query)
    if row is not None:
        return row
    latest = session.scalar(
        select(func.max(ServiceDefinitionVersion.version)).filter_by(code=definition.code)
    )
    row = ServiceDefinitionVersion(
        code=definition.code, version=(latest or 0) + 1, digest=digest, content=definition.raw
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another process stored it first.
        row = session.scalars(query).one()
    return row


def definition_of(row: ServiceDefinitionVersion) -> ServiceDefinition:
    return ServiceDefinition(row.content)
