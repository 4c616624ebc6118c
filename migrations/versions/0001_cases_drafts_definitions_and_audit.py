"""cases, drafts, definitions and audit

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 10:55:35.489246
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text  # noqa: F401  (used by JSONB columns)
import portal.models.base
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('target_type', sa.String(length=32), nullable=True),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_records')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_records_hash'))
    )
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_records_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_records_target_id'), ['target_id'], unique=False)

    op.create_table('service_definition_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('loaded_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_definition_versions')),
    sa.UniqueConstraint('code', 'digest', name=op.f('uq_service_definition_versions_code_digest')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_service_definition_versions_code_version'))
    )
    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('contact', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['service_definition_versions.id'], name=op.f('fk_drafts_definition_id_service_definition_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drafts')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_drafts_token_hash'))
    )
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drafts_expires_at'), ['expires_at'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('service_code', sa.String(length=64), nullable=False),
    sa.Column('definition_id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('contact_phone', sa.String(length=32), nullable=True),
    sa.Column('contact_preference', sa.String(length=16), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('tracking_token_hash', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('respond_by', sa.Date(), nullable=False),
    sa.Column('resolve_by', sa.Date(), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['definition_id'], ['service_definition_versions.id'], name=op.f('fk_cases_definition_id_service_definition_versions')),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_cases_draft_id_drafts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('draft_id', name=op.f('uq_cases_draft_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_cases_reference')),
    sa.UniqueConstraint('tracking_token_hash', name=op.f('uq_cases_tracking_token_hash'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_contact_email', ['contact_email'], unique=False)
        batch_op.create_index('ix_cases_contact_phone', ['contact_phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_service_code'), ['service_code'], unique=False)
        batch_op.create_index('ix_cases_status_submitted', ['status', 'submitted_at', 'id'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status_from', sa.String(length=32), nullable=True),
    sa.Column('status_to', sa.String(length=32), nullable=False),
    sa.Column('public_note', sa.Text(), nullable=True),
    sa.Column('internal_note', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_case_id'))

    op.drop_table('case_events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_submitted')
        batch_op.drop_index(batch_op.f('ix_cases_service_code'))
        batch_op.drop_index('ix_cases_contact_phone')
        batch_op.drop_index('ix_cases_contact_email')

    op.drop_table('cases')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drafts_expires_at'))

    op.drop_table('drafts')
    op.drop_table('service_definition_versions')
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_records_target_id'))
        batch_op.drop_index(batch_op.f('ix_audit_records_occurred_at'))

    op.drop_table('audit_records')
