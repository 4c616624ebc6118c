"""webhooks: subscriptions of API clients, their deliveries in the outbox, receivers' answers

Revision ID: 0009_webhooks
Revises: 0008_api
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import portal.models.base

revision = '0009_webhooks'
down_revision = '0008_api'
branch_labels = None
depends_on = None


def _json():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def _time():
    return portal.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('webhook_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('events', _json(), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', _time(), nullable=False),
    sa.Column('updated_at', _time(), nullable=False),
    sa.Column('deleted_at', _time(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['api_clients.id'],
                            name=op.f('fk_webhook_subscriptions_client_id_api_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions')),
    sa.UniqueConstraint('public_id', name=op.f('uq_webhook_subscriptions_public_id'))
    )
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_subscriptions_client_id'), ['client_id'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('webhook_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_webhook_id'), ['webhook_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_webhook_id_webhook_subscriptions'),
                                    'webhook_subscriptions', ['webhook_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('delivery_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_code', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('delivery_attempts', schema=None) as batch_op:
        batch_op.drop_column('response_code')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_webhook_id_webhook_subscriptions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_webhook_id'))
        batch_op.drop_column('webhook_id')
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_subscriptions_client_id'))
    op.drop_table('webhook_subscriptions')
