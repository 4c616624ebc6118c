"""visits (what a browser proved, held on the server), the department working each case

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
import portal.models.base


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('grants', sa.JSON().with_variant(sa.dialects.postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_visits_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_visits_token_hash'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department', sa.String(length=64), nullable=True))
    # Existing cases are worked by their service's department, as given in their definition.
    connection = op.get_bind()
    versions = sa.table('service_definition_versions', sa.column('id', sa.Integer),
                        sa.column('content', sa.JSON))
    cases = sa.table('cases', sa.column('definition_id', sa.Integer), sa.column('department', sa.String))
    for version_id, content in connection.execute(sa.select(versions.c.id, versions.c.content)):
        department = (content or {}).get('department', '')
        connection.execute(cases.update().where(cases.c.definition_id == version_id).values(department=department))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('department', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f('ix_cases_department'), ['department'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_department'))
        batch_op.drop_column('department')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_expires_at'))
        batch_op.drop_index(batch_op.f('ix_visits_account_id'))
    op.drop_table('visits')
