"""budget rules in the database: a vote fits its ballot; a frozen ballot never changes;
residents' budget mail (opt-in, one notice per event and person)

Revision ID: 9b7e2d4c1a60
Revises: 9c4d1e8f2a60
Create Date: 2026-11-25 21:00:00

The services check the same rules first and say what is wrong; these triggers make sure no
other path (raw SQL, a race, a later bug) can store a vote that breaks them. Votes are only
accepted on frozen ballots, and a frozen ballot's kind, budget, limits, rule, tie-break and
options cannot change, so a vote checked once stays valid: no lock and no stored total is
needed, and parallel submissions are each checked on their own. The errors carry SQLSTATE
23514 (check_violation) and a constraint name that budgeting/services.py turns into a
Refused. Imported ballots (closed) keep the votes of their file as they are.
"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "9b7e2d4c1a60"
down_revision = "9c4d1e8f2a60"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION budget_vote_fits_ballot() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b budget_ballot%ROWTYPE;
    n integer;
    total numeric;
    unknown integer;
BEGIN
    SELECT * INTO b FROM budget_ballot WHERE id = NEW.ballot_id;
    IF b.closed THEN
        RETURN NULL;  -- an imported election: its file's votes as they are
    END IF;
    IF NOT b.frozen THEN
        RAISE EXCEPTION 'ballot % is not open for votes', b.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_vote_ballot_frozen';
    END IF;
    IF b.kind = 'points' THEN
        IF jsonb_typeof(NEW.choices) <> 'object' THEN
            RAISE EXCEPTION 'a points vote is an object of points per option'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_vote_known_options';
        END IF;
        SELECT count(*) FILTER (WHERE o.id IS NULL OR p.points IS NULL OR p.points < 0
                                   OR p.points % 1 <> 0),
               coalesce(sum(p.points), 0)
          INTO unknown, total
          FROM (SELECT key, CASE WHEN jsonb_typeof(value) = 'number' THEN value::numeric END
                  FROM jsonb_each(NEW.choices)) AS p(key, points)
          LEFT JOIN budget_option o ON o.ballot_id = b.id AND o.code = p.key;
        IF unknown > 0 THEN
            RAISE EXCEPTION 'points must be whole numbers for options of ballot %', b.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_vote_known_options';
        END IF;
        IF total NOT IN (0, 100) THEN
            RAISE EXCEPTION 'points add up to %, not 100', total
                USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_vote_points_total';
        END IF;
    ELSE
        IF jsonb_typeof(NEW.choices) <> 'array' THEN
            RAISE EXCEPTION 'a vote is an array of option codes'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_vote_known_options';
        END IF;
        SELECT count(*),
               count(*) FILTER (WHERE o.id IS NULL) + count(*) - count(DISTINCT c.value),
               coalesce(sum(o.cost), 0)
          INTO n, unknown, total
          FROM jsonb_array_elements(NEW.choices) AS c
          LEFT JOIN budget_option o ON o.ballot_id = b.id AND to_jsonb(o.code) = c.value;
        IF unknown > 0 THEN
            RAISE EXCEPTION 'a vote names unknown or repeated options of ballot %', b.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_vote_known_options';
        END IF;
        IF b.kind = 'knapsack' AND total > b.budget THEN
            RAISE EXCEPTION 'the chosen projects cost %, more than the budget %', total, b.budget
                USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_vote_within_budget';
        END IF;
        IF n > 0 AND (n < b.min_choices OR n > coalesce(b.max_choices, n)) THEN
            RAISE EXCEPTION '% choices, outside the limits of ballot %', n, b.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_vote_within_limits';
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER budget_vote_fits_ballot
    AFTER INSERT OR UPDATE OF ballot_id, choices ON budget_vote
    FOR EACH ROW EXECUTE FUNCTION budget_vote_fits_ballot();

CREATE FUNCTION budget_ballot_stays_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.frozen AND (
        NOT NEW.frozen OR (OLD.closed AND NOT NEW.closed)
        OR (NEW.kind, NEW.rule, NEW.budget, NEW.min_choices, NEW.tie_break)
           IS DISTINCT FROM (OLD.kind, OLD.rule, OLD.budget, OLD.min_choices, OLD.tie_break)
        OR NEW.max_choices IS DISTINCT FROM OLD.max_choices
    ) THEN
        RAISE EXCEPTION 'ballot % is frozen', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_ballot_frozen';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER budget_ballot_stays_frozen
    BEFORE UPDATE ON budget_ballot
    FOR EACH ROW EXECUTE FUNCTION budget_ballot_stays_frozen();

-- FOR SHARE: a freeze (an UPDATE of the ballot) waits until an option change commits, and
-- an option change after a freeze sees it.
CREATE FUNCTION budget_option_of_open_ballot() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ballot integer := CASE WHEN TG_OP = 'DELETE' THEN OLD.ballot_id ELSE NEW.ballot_id END;
    b budget_ballot%ROWTYPE;
BEGIN
    SELECT * INTO b FROM budget_ballot WHERE id = ballot FOR SHARE;
    IF FOUND AND (TG_OP <> 'UPDATE' OR NEW.ballot_id <> OLD.ballot_id
                  OR (NEW.code, NEW.cost) IS DISTINCT FROM (OLD.code, OLD.cost))
       AND ((b.frozen AND NOT b.closed)
            OR EXISTS (SELECT 1 FROM budget_vote v WHERE v.ballot_id = b.id)) THEN
        RAISE EXCEPTION 'the options of ballot % are frozen', b.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_ballot_frozen';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.ballot_id <> OLD.ballot_id THEN
        PERFORM 1 FROM budget_ballot WHERE id = OLD.ballot_id AND frozen;
        IF FOUND THEN
            RAISE EXCEPTION 'the options of ballot % are frozen', OLD.ballot_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'budget_ballot_frozen';
        END IF;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER budget_option_of_open_ballot
    BEFORE INSERT OR UPDATE OR DELETE ON budget_option
    FOR EACH ROW EXECUTE FUNCTION budget_option_of_open_ballot();
"""

DOWNGRADE = """
DROP TRIGGER budget_option_of_open_ballot ON budget_option;
DROP FUNCTION budget_option_of_open_ballot();
DROP TRIGGER budget_ballot_stays_frozen ON budget_ballot;
DROP FUNCTION budget_ballot_stays_frozen();
DROP TRIGGER budget_vote_fits_ballot ON budget_vote;
DROP FUNCTION budget_vote_fits_ballot();
"""


def upgrade():
    op.execute(UPGRADE)
    op.create_table('budget_mail_opt_in',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_budget_mail_opt_in_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_budget_mail_opt_in'))
    )
    op.create_table('budget_mail_notice',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_budget_mail_notice_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_budget_mail_notice_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'user_id', name=op.f('pk_budget_mail_notice'))
    )


def downgrade():
    op.drop_table('budget_mail_notice')
    op.drop_table('budget_mail_opt_in')
    op.execute(DOWNGRADE)
