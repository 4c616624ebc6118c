"""cases: the normalised address answered, to find other cases at the same place

Revision ID: 0007_casepage
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

from portal.cases.places import key_of_value

revision = '0007_casepage'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_key', sa.String(length=200), nullable=True))
        batch_op.create_index('ix_cases_address_key', ['address_key', 'department'], unique=False)
    # Cases sent before: the first address answer (an answer with a street) gives the key.
    connection = op.get_bind()
    cases = sa.table('cases', sa.column('id', sa.Integer), sa.column('answers', sa.JSON),
                     sa.column('address_key', sa.String))
    for case_id, answers in connection.execute(sa.select(cases.c.id, cases.c.answers)):
        key = next((key_of_value(v) for v in (answers or {}).values() if isinstance(v, dict) and v.get('street')),
                   None)
        if key:
            connection.execute(cases.update().where(cases.c.id == case_id).values(address_key=key))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_address_key')
        batch_op.drop_column('address_key')
