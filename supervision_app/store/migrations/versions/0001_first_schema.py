"""first schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('record_kind', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('profile_setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('record_document',
    sa.Column('record_kind', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.Column('tombstone', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('record_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_document_record_id'), ['record_id'], unique=False)

    op.create_table('service_area',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('manager_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.Column('tombstone', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['staff.id'], use_alter=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('team',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('service_area_id', sa.String(length=36), nullable=True),
    sa.Column('manager_id', sa.String(length=36), nullable=True),
    sa.Column('supervision_policy', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.Column('tombstone', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['staff.id'], use_alter=True),
    sa.ForeignKeyConstraint(['service_area_id'], ['service_area.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('staff',
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('team_id', sa.String(length=36), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('asye_start', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.Column('tombstone', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_team_id'), ['team_id'], unique=False)

    op.create_table('addendum',
    sa.Column('record_kind', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.Column('tombstone', sa.Boolean(), nullable=False),
    sa.CheckConstraint("state IN ('draft','locked')", name='state_known'),
    sa.CheckConstraint('length(body) <= 100000', name='body_max_length'),
    sa.ForeignKeyConstraint(['author_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('addendum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_addendum_record_id'), ['record_id'], unique=False)

    op.create_table('child',
    sa.Column('case_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('legal_status', sa.String(length=32), nullable=False),
    sa.Column('allocated_worker_id', sa.String(length=36), nullable=True),
    sa.Column('has_pathway_plan', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.Column('tombstone', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['allocated_worker_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id')
    )
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_allocated_worker_id'), ['allocated_worker_id'], unique=False)

    op.create_table('signature',
    sa.Column('record_kind', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('signer_id', sa.String(length=36), nullable=False),
    sa.Column('signer_role', sa.String(length=20), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('certificate_pem', sa.Text(), nullable=False),
    sa.Column('signature_value', sa.LargeBinary(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.Column('tombstone', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['signer_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('record_kind', 'record_id', 'signer_role')
    )
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signature_record_id'), ['record_id'], unique=False)

    op.create_table('supervision_session',
    sa.Column('supervisee_id', sa.String(length=36), nullable=False),
    sa.Column('supervisor_id', sa.String(length=36), nullable=False),
    sa.Column('team_id', sa.String(length=36), nullable=True),
    sa.Column('held_at', sa.DateTime(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('session_type', sa.String(length=20), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('agreement_in_place', sa.Boolean(), nullable=False),
    sa.Column('wellbeing', sa.Text(), nullable=False),
    sa.Column('caseload_count', sa.Integer(), nullable=True),
    sa.Column('caseload_complexity', sa.String(length=20), nullable=False),
    sa.Column('capacity', sa.String(length=20), nullable=False),
    sa.Column('workload_notes', sa.Text(), nullable=False),
    sa.Column('learning', sa.Text(), nullable=False),
    sa.Column('asye_progress', sa.Text(), nullable=False),
    sa.Column('next_session_on', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('shared_at', sa.DateTime(), nullable=True),
    sa.Column('supervisee_comments', sa.Text(), nullable=False),
    sa.Column('supervisee_agreement', sa.String(length=12), nullable=True),
    sa.Column('disagreement', sa.Text(), nullable=False),
    sa.Column('disagreement_resolved', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.Column('tombstone', sa.Boolean(), nullable=False),
    sa.CheckConstraint("state IN ('draft','shared','supervisor_signed','locked')", name='state_known'),
    sa.CheckConstraint('duration_minutes BETWEEN 1 AND 600', name='duration_range'),
    sa.CheckConstraint('length(asye_progress) <= 100000', name='asye_progress_max_length'),
    sa.CheckConstraint('length(disagreement) <= 100000', name='disagreement_max_length'),
    sa.CheckConstraint('length(learning) <= 100000', name='learning_max_length'),
    sa.CheckConstraint('length(location) <= 100000', name='location_max_length'),
    sa.CheckConstraint('length(supervisee_comments) <= 100000', name='supervisee_comments_max_length'),
    sa.CheckConstraint('length(wellbeing) <= 100000', name='wellbeing_max_length'),
    sa.CheckConstraint('length(workload_notes) <= 100000', name='workload_notes_max_length'),
    sa.ForeignKeyConstraint(['supervisee_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['supervisor_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('supervision_session', schema=None) as batch_op:
        batch_op.create_index('ix_session_supervisee_held', ['supervisee_id', 'held_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_session_supervisor_id'), ['supervisor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_session_team_id'), ['team_id'], unique=False)

    op.create_table('case_discussion',
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('child_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('current_position', sa.Text(), nullable=False),
    sa.Column('worries', sa.Text(), nullable=False),
    sa.Column('working_well', sa.Text(), nullable=False),
    sa.Column('needs_to_happen', sa.Text(), nullable=False),
    sa.Column('safety_scale', sa.Integer(), nullable=True),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.Column('tombstone', sa.Boolean(), nullable=False),
    sa.CheckConstraint('length(current_position) <= 100000', name='current_position_max_length'),
    sa.CheckConstraint('length(decision) <= 100000', name='decision_max_length'),
    sa.CheckConstraint('length(needs_to_happen) <= 100000', name='needs_to_happen_max_length'),
    sa.CheckConstraint('length(rationale) <= 100000', name='rationale_max_length'),
    sa.CheckConstraint('length(working_well) <= 100000', name='working_well_max_length'),
    sa.CheckConstraint('length(worries) <= 100000', name='worries_max_length'),
    sa.CheckConstraint('safety_scale IS NULL OR safety_scale BETWEEN 0 AND 10', name='scale_range'),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['supervision_session.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_discussion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_discussion_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_discussion_session_id'), ['session_id'], unique=False)

    op.create_table('oversight_note',
    sa.Column('child_id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('trigger', sa.String(length=32), nullable=False),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('next_review_on', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.Column('tombstone', sa.Boolean(), nullable=False),
    sa.CheckConstraint("state IN ('draft','locked')", name='state_known'),
    sa.CheckConstraint('length(decision) <= 100000', name='decision_max_length'),
    sa.CheckConstraint('length(rationale) <= 100000', name='rationale_max_length'),
    sa.ForeignKeyConstraint(['author_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('oversight_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oversight_note_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oversight_note_child_id'), ['child_id'], unique=False)

    op.create_table('action_item',
    sa.Column('session_id', sa.String(length=36), nullable=True),
    sa.Column('oversight_note_id', sa.String(length=36), nullable=True),
    sa.Column('case_discussion_id', sa.String(length=36), nullable=True),
    sa.Column('child_id', sa.String(length=36), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.String(length=36), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.Column('tombstone', sa.Boolean(), nullable=False),
    sa.CheckConstraint("status IN ('open','done','no_longer_needed')", name='status_known'),
    sa.CheckConstraint('(session_id IS NOT NULL) + (oversight_note_id IS NOT NULL) = 1', name='one_parent'),
    sa.CheckConstraint('length(description) <= 100000', name='description_max_length'),
    sa.ForeignKeyConstraint(['case_discussion_id'], ['case_discussion.id'], ),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], ),
    sa.ForeignKeyConstraint(['oversight_note_id'], ['oversight_note.id'], ),
    sa.ForeignKeyConstraint(['owner_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['supervision_session.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_item_child_id'), ['child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_item_oversight_note_id'), ['oversight_note_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_item_session_id'), ['session_id'], unique=False)
        batch_op.create_index('ix_action_owner_status', ['owner_id', 'status'], unique=False)

    op.create_table('action_review',
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('action_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.Column('tombstone', sa.Boolean(), nullable=False),
    sa.CheckConstraint('length(note) <= 100000', name='note_max_length'),
    sa.ForeignKeyConstraint(['action_id'], ['action_item.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['supervision_session.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'action_id', name='one_review_per_session')
    )
    with op.batch_alter_table('action_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_review_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_review_session_id'), ['session_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('action_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_review_session_id'))
        batch_op.drop_index(batch_op.f('ix_action_review_action_id'))

    op.drop_table('action_review')
    with op.batch_alter_table('action_item', schema=None) as batch_op:
        batch_op.drop_index('ix_action_owner_status')
        batch_op.drop_index(batch_op.f('ix_action_item_session_id'))
        batch_op.drop_index(batch_op.f('ix_action_item_oversight_note_id'))
        batch_op.drop_index(batch_op.f('ix_action_item_child_id'))

    op.drop_table('action_item')
    with op.batch_alter_table('oversight_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oversight_note_child_id'))
        batch_op.drop_index(batch_op.f('ix_oversight_note_author_id'))

    op.drop_table('oversight_note')
    with op.batch_alter_table('case_discussion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_discussion_session_id'))
        batch_op.drop_index(batch_op.f('ix_case_discussion_child_id'))

    op.drop_table('case_discussion')
    with op.batch_alter_table('supervision_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_session_team_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_session_supervisor_id'))
        batch_op.drop_index('ix_session_supervisee_held')

    op.drop_table('supervision_session')
    with op.batch_alter_table('signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signature_record_id'))

    op.drop_table('signature')
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_allocated_worker_id'))

    op.drop_table('child')
    with op.batch_alter_table('addendum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_addendum_record_id'))

    op.drop_table('addendum')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_team_id'))

    op.drop_table('staff')
    op.drop_table('team')
    op.drop_table('service_area')
    with op.batch_alter_table('record_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_document_record_id'))

    op.drop_table('record_document')
    op.drop_table('profile_setting')
    op.drop_table('audit_entry')
