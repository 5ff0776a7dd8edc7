"""survey questions with a district ballot: questions, their choices, and the answers stored
with each vote

Revision ID: 4e7a1c9d2b35
Revises: 8d3c61f0a4b2
Create Date: 2026-11-25 23:00:00

As with the options (migration 9b7e2d4c1a60): questions and their choices cannot change once
the ballot is frozen (voting opened) or has votes, and a vote's answers must fit the questions
of its ballot (known questions and choices, one choice for a single choice question, a
multiple choice question's limits, a free-text answer's length, every required question
answered, except in the vote of an erased account, whose words are removed). The services check the same first and say what is wrong; the errors carry SQLSTATE
23514 and a constraint name that budgeting/services.py turns into a Refused.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from core.migrations import refuse_downgrade_if_any

# revision identifiers, used by Alembic.
revision = "4e7a1c9d2b35"
down_revision = "8d3c61f0a4b2"
branch_labels = None
depends_on = None

UPGRADE = r"""
-- FOR SHARE: a freeze (an UPDATE of the ballot) waits until a question change commits, and a
-- question change after a freeze sees it. A ballot deleted with its cycle is no longer found,
-- so its questions go with it.
CREATE FUNCTION budget_refuse_frozen_survey(ballot_ids integer[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    b budget_ballot%ROWTYPE;
BEGIN
    FOR b IN SELECT * FROM budget_ballot WHERE id = ANY(ballot_ids) FOR SHARE LOOP
        IF b.frozen OR b.closed
           OR EXISTS (SELECT 1 FROM budget_vote v WHERE v.ballot_id = b.id) THEN
            RAISE EXCEPTION 'the survey questions of ballot % are frozen', b.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_ballot_frozen';
        END IF;
    END LOOP;
END $$;

CREATE FUNCTION budget_question_of_open_ballot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM budget_refuse_frozen_survey(ARRAY[NEW.ballot_id]);
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM budget_refuse_frozen_survey(ARRAY[OLD.ballot_id]);
        RETURN OLD;
    END IF;
    PERFORM budget_refuse_frozen_survey(ARRAY[OLD.ballot_id, NEW.ballot_id]);
    RETURN NEW;
END $$;

CREATE TRIGGER budget_question_of_open_ballot
    BEFORE INSERT OR UPDATE OR DELETE ON budget_question
    FOR EACH ROW EXECUTE FUNCTION budget_question_of_open_ballot();

CREATE FUNCTION budget_question_choice_of_open_ballot() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    questions integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        questions := ARRAY[NEW.question_id];
    ELSIF TG_OP = 'DELETE' THEN
        questions := ARRAY[OLD.question_id];
    ELSE
        questions := ARRAY[OLD.question_id, NEW.question_id];
    END IF;
    PERFORM budget_refuse_frozen_survey(
        ARRAY(SELECT ballot_id FROM budget_question WHERE id = ANY(questions)));
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER budget_question_choice_of_open_ballot
    BEFORE INSERT OR UPDATE OR DELETE ON budget_question_choice
    FOR EACH ROW EXECUTE FUNCTION budget_question_choice_of_open_ballot();

CREATE FUNCTION budget_vote_answers_fit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b budget_ballot%ROWTYPE;
BEGIN
    SELECT * INTO b FROM budget_ballot WHERE id = NEW.ballot_id;
    IF b.closed THEN
        RETURN NULL;  -- an imported election: no questions
    END IF;
    -- CASE keeps the order: a value is measured only once its type is known.
    IF EXISTS (
        SELECT 1
          FROM jsonb_each(NEW.answers) AS a(key, value)
          LEFT JOIN budget_question q ON q.ballot_id = b.id AND q.id::text = a.key
         WHERE CASE
            WHEN q.id IS NULL THEN true
            WHEN q.kind = 'text' THEN
                jsonb_typeof(a.value) <> 'string'
                OR char_length(a.value #>> '{}') NOT BETWEEN 1 AND q.max_length
            WHEN jsonb_typeof(a.value) <> 'array' THEN true
            ELSE
                jsonb_array_length(a.value) NOT BETWEEN greatest(q.min_choices, 1)
                    AND CASE WHEN q.kind = 'single' THEN 1
                             ELSE coalesce(q.max_choices, jsonb_array_length(a.value)) END
                OR jsonb_array_length(a.value) <> (
                    SELECT count(DISTINCT c.id)
                      FROM jsonb_array_elements(a.value) AS e(choice)
                      JOIN budget_question_choice c
                        ON c.question_id = q.id AND to_jsonb(c.id) = e.choice)
         END
    ) OR (NEW.voter_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM budget_question q
         WHERE q.ballot_id = b.id AND q.required AND NOT NEW.answers ? q.id::text
    )) THEN
        RAISE EXCEPTION 'the answers do not fit the survey questions of ballot %', b.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_vote_answers_fit';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER budget_vote_answers_fit
    AFTER INSERT OR UPDATE OF ballot_id, answers ON budget_vote
    FOR EACH ROW EXECUTE FUNCTION budget_vote_answers_fit();
"""

DOWNGRADE = """
DROP TRIGGER budget_vote_answers_fit ON budget_vote;
DROP FUNCTION budget_vote_answers_fit();
DROP TRIGGER budget_question_choice_of_open_ballot ON budget_question_choice;
DROP FUNCTION budget_question_choice_of_open_ballot();
DROP TRIGGER budget_question_of_open_ballot ON budget_question;
DROP FUNCTION budget_question_of_open_ballot();
DROP FUNCTION budget_refuse_frozen_survey(integer[]);
"""


def upgrade():
    op.create_table('budget_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('prompt_ka', sa.String(length=500), nullable=False),
    sa.Column('prompt_en', sa.String(length=500), server_default='', nullable=False),
    sa.Column('required', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('min_choices', sa.Integer(), server_default='0', nullable=False),
    sa.Column('max_choices', sa.Integer(), nullable=True),
    sa.Column('max_length', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('single', 'multiple', 'text')", name=op.f('ck_budget_question_kind_known')),
    sa.CheckConstraint('position >= 1', name=op.f('ck_budget_question_position_positive')),
    sa.CheckConstraint("prompt_ka <> ''", name=op.f('ck_budget_question_prompt_given')),
    sa.CheckConstraint('min_choices >= 0', name=op.f('ck_budget_question_min_choices_not_negative')),
    sa.CheckConstraint('max_choices IS NULL OR max_choices >= greatest(min_choices, 1)', name=op.f('ck_budget_question_max_choices_at_least_min')),
    sa.CheckConstraint("kind = 'multiple' OR (min_choices = 0 AND max_choices IS NULL)", name=op.f('ck_budget_question_limits_only_for_multiple')),
    sa.CheckConstraint("(kind = 'text') = (max_length IS NOT NULL)", name=op.f('ck_budget_question_max_length_only_for_text')),
    sa.CheckConstraint('max_length IS NULL OR max_length BETWEEN 1 AND 5000', name=op.f('ck_budget_question_max_length_in_range')),
    sa.ForeignKeyConstraint(['ballot_id'], ['budget_ballot.id'], name=op.f('fk_budget_question_ballot_id_budget_ballot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_question')),
    sa.UniqueConstraint('ballot_id', 'position', name=op.f('uq_budget_question_ballot_id_position'), deferrable=True)
    )
    op.create_table('budget_question_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label_ka', sa.String(length=300), nullable=False),
    sa.Column('label_en', sa.String(length=300), server_default='', nullable=False),
    sa.CheckConstraint('position >= 1', name=op.f('ck_budget_question_choice_position_positive')),
    sa.CheckConstraint("label_ka <> ''", name=op.f('ck_budget_question_choice_label_given')),
    sa.ForeignKeyConstraint(['question_id'], ['budget_question.id'], name=op.f('fk_budget_question_choice_question_id_budget_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_question_choice')),
    sa.UniqueConstraint('question_id', 'position', name=op.f('uq_budget_question_choice_question_id_position'), deferrable=True)
    )
    op.add_column('budget_vote', sa.Column('answers', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False))
    op.create_check_constraint(op.f('ck_budget_vote_answers_object'), 'budget_vote', "jsonb_typeof(answers) = 'object'")
    op.execute(UPGRADE)


def downgrade():
    refuse_downgrade_if_any(
        "SELECT 1 FROM budget_question", "ballots carry survey questions (and voters' answers)"
    )
    op.execute(DOWNGRADE)
    op.drop_constraint(op.f('ck_budget_vote_answers_object'), 'budget_vote', type_='check')
    op.drop_column('budget_vote', 'answers')
    op.drop_table('budget_question_choice')
    op.drop_table('budget_question')
