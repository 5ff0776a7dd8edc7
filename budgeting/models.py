"""Budget cycles, district ballots, their options, votes and residents' proposals (SPEC §5)."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from geoalchemy2 import Geometry
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import created_at_column, db, enum_check
from core.i18n import localized


class Phase(StrEnum):
    DRAFT = "draft"
    PROPOSALS = "proposals"
    REVIEW = "review"
    VOTING = "voting"
    RESULTS = "results"


class BallotKind(StrEnum):
    POINTS = "points"
    APPROVAL = "approval"
    KNAPSACK = "knapsack"
    RANKING = "ranking"


class Rule(StrEnum):
    GREEDY = "greedy"
    MES = "mes"
    MES_GREEDY = "mes-greedy"
    POINTS = "points"


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TEXT = "text"


class ProposalStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Cycle(db.Model):
    """A budget cycle ("Budget 2027") and the dates its phases begin."""

    __tablename__ = "budget_cycle"
    __table_args__ = (
        enum_check("phase", Phase, name="phase_known"),
        CheckConstraint(
            "proposals_at <= review_at AND review_at <= voting_at AND voting_at < results_at",
            name="phases_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_ka: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    phase: Mapped[str] = mapped_column(
        String(10), default=Phase.DRAFT.value, server_default=Phase.DRAFT.value
    )
    proposals_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    review_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    voting_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    results_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()

    ballots: Mapped[list["Ballot"]] = relationship(back_populates="cycle", order_by="Ballot.id")

    @property
    def title(self) -> str:
        return localized(self.title_ka, self.title_en)

    @property
    def ref(self) -> str:
        return f"budget_cycle:{self.id}"


class Ballot(db.Model):
    """One district's ballot in a cycle; an imported .pb election has no cycle and is closed."""

    __tablename__ = "budget_ballot"
    __table_args__ = (
        enum_check("kind", BallotKind, name="kind_known"),
        enum_check("rule", Rule, name="rule_known"),
        UniqueConstraint("cycle_id", "district_id"),
        CheckConstraint("budget > 0", name="budget_positive"),
        CheckConstraint("min_choices >= 0", name="min_choices_not_negative"),
        CheckConstraint(
            "max_choices IS NULL OR max_choices >= greatest(min_choices, 1)",
            name="max_choices_at_least_min",
        ),
        CheckConstraint("cycle_id IS NOT NULL OR closed", name="imported_ballots_closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int | None] = mapped_column(
        ForeignKey("budget_cycle.id", ondelete="CASCADE"), index=True
    )
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    title_ka: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(10))
    rule: Mapped[str] = mapped_column(String(10))
    budget: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3), default="GEL", server_default="GEL")
    max_choices: Mapped[int | None] = mapped_column(Integer)
    min_choices: Mapped[int] = mapped_column(default=0, server_default="0")
    # Frozen once voting opens: kind, options, budget and limits can no longer change.
    frozen: Mapped[bool] = mapped_column(default=False, server_default="false")
    # An imported election: read only, its votes came from the file.
    closed: Mapped[bool] = mapped_column(default=False, server_default="false")
    # The published tie-break: options in this order of their codes (pabutools: codes as text).
    tie_break: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")
    # The pabulib META of an imported file, kept for a faithful export.
    meta: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = created_at_column()

    cycle: Mapped[Cycle | None] = relationship(back_populates="ballots")
    district = relationship("District")
    options: Mapped[list["Option"]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", order_by="Option.id"
    )
    questions: Mapped[list["Question"]] = relationship(
        back_populates="ballot", order_by="Question.position", passive_deletes=True
    )

    @property
    def title(self) -> str:
        return localized(self.title_ka, self.title_en)

    @property
    def ref(self) -> str:
        return f"ballot:{self.id}"


class Option(db.Model):
    """A project with its cost, or a priority category (points ballots have no costs)."""

    __tablename__ = "budget_option"
    __table_args__ = (
        UniqueConstraint("ballot_id", "code"),
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("budget_ballot.id", ondelete="CASCADE"))
    # The project id of the .pb file; for our own options their id as text.
    code: Mapped[str] = mapped_column(String(60))
    name_ka: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    category: Mapped[str] = mapped_column(String(200), default="", server_default="")
    cost: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=True)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("budget_proposal.id", ondelete="SET NULL")
    )
    # Other columns of an imported file's PROJECTS section.
    extra: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")

    ballot: Mapped[Ballot] = relationship(back_populates="options")

    @property
    def name(self) -> str:
        return localized(self.name_ka, self.name_en)

    @property
    def ref(self) -> str:
        return f"project:{self.id}"


class Question(db.Model):
    """A survey question that accompanies a ballot, answered with it (SPEC §5).

    Like the options, questions are frozen once voting opens (migration 4e7a1c9d2b35).
    """

    __tablename__ = "budget_question"
    __table_args__ = (
        enum_check("kind", QuestionKind, name="kind_known"),
        # Deferrable: two questions swap places in one UPDATE.
        UniqueConstraint("ballot_id", "position", deferrable=True),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("prompt_ka <> ''", name="prompt_given"),
        CheckConstraint("min_choices >= 0", name="min_choices_not_negative"),
        CheckConstraint(
            "max_choices IS NULL OR max_choices >= greatest(min_choices, 1)",
            name="max_choices_at_least_min",
        ),
        CheckConstraint(
            "kind = 'multiple' OR (min_choices = 0 AND max_choices IS NULL)",
            name="limits_only_for_multiple",
        ),
        CheckConstraint(
            "(kind = 'text') = (max_length IS NOT NULL)", name="max_length_only_for_text"
        ),
        CheckConstraint(
            "max_length IS NULL OR max_length BETWEEN 1 AND 5000", name="max_length_in_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("budget_ballot.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    prompt_ka: Mapped[str] = mapped_column(String(500))
    prompt_en: Mapped[str] = mapped_column(String(500), default="", server_default="")
    required: Mapped[bool] = mapped_column(default=False, server_default="false")
    # Multiple choice only: how many answers a voter may tick.
    min_choices: Mapped[int] = mapped_column(default=0, server_default="0")
    max_choices: Mapped[int | None] = mapped_column(Integer)
    # Free text only: the longest answer in characters.
    max_length: Mapped[int | None] = mapped_column(Integer)

    ballot: Mapped[Ballot] = relationship(back_populates="questions")
    choices: Mapped[list["QuestionChoice"]] = relationship(
        back_populates="question",
        cascade="all, delete-orphan",
        order_by="QuestionChoice.position",
        passive_deletes=True,
    )

    @property
    def prompt(self) -> str:
        return localized(self.prompt_ka, self.prompt_en)

    @property
    def field_name(self) -> str:
        """The name of its field on the ballot page."""
        return f"question-{self.id}"


class QuestionChoice(db.Model):
    """One answer to choose from in a single or multiple choice question."""

    __tablename__ = "budget_question_choice"
    __table_args__ = (
        UniqueConstraint("question_id", "position", deferrable=True),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("label_ka <> ''", name="label_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("budget_question.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label_ka: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300), default="", server_default="")

    question: Mapped[Question] = relationship(back_populates="choices")

    @property
    def label(self) -> str:
        return localized(self.label_ka, self.label_en)


class Vote(db.Model):
    """One person's ballot, changeable until voting closes.

    `choices` holds option codes (ranking: best first), for points ballots {code: points}.
    The voter is kept only to allow one vote per person; an erased account leaves its vote
    counting with voter_id NULL.
    """

    __tablename__ = "budget_vote"
    __table_args__ = (
        UniqueConstraint("ballot_id", "voter_id"),
        UniqueConstraint("ballot_id", "voter_code"),
        CheckConstraint("jsonb_typeof(answers) = 'object'", name="answers_object"),
        Index("ix_budget_vote_voter_id", "voter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("budget_ballot.id", ondelete="CASCADE"))
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # The anonymous id written to .pb files (an imported file's voter_id).
    voter_code: Mapped[str] = mapped_column(String(60))
    choices: Mapped[list | dict] = mapped_column(JSONB)
    # Answers to the ballot's survey questions, replaced with the ballot: {question id:
    # [choice ids]} or {question id: "text"}; an unanswered question has no key. Never
    # exported to .pb files: free text may say who wrote it.
    answers: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    # Columns of an imported file's VOTES section besides voter_id and vote/points.
    extra: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()


class Proposal(db.Model):
    """A resident's project idea for their district, reviewed by staff."""

    __tablename__ = "budget_proposal"
    __table_args__ = (
        enum_check("status", ProposalStatus, name="status_known"),
        CheckConstraint("cost IS NULL OR cost > 0", name="cost_positive"),
        CheckConstraint("status <> 'rejected' OR review_note <> ''", name="rejection_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        ForeignKey("budget_cycle.id", ondelete="CASCADE"), index=True
    )
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(10), default=ProposalStatus.SUBMITTED.value, server_default="submitted"
    )
    cost: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    review_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    origin_ref: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = created_at_column()
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def ref(self) -> str:
        return f"proposal:{self.id}"


class MailOptIn(db.Model):
    """A resident who asked for mail when voting opens in their verified district and when
    its results are published."""

    __tablename__ = "budget_mail_opt_in"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = created_at_column()


class MailNotice(db.Model):
    """Who was mailed about which event: each person gets one mail per event, however often
    its batch runs."""

    __tablename__ = "budget_mail_notice"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )


class StoredTally(db.Model):
    """A published or imported ballot's tally, computed once: its votes can no longer change,
    so the results pages read this row instead of counting every vote on every view.
    `version` is the tally code's (budgeting/tallies.py); a row of another version is
    recomputed. Numbers in `outcome` are exact fractions written as text ("7/3")."""

    __tablename__ = "budget_stored_tally"

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("budget_ballot.id", ondelete="CASCADE"), primary_key=True
    )
    rule: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    turnout: Mapped[int] = mapped_column(Integer)
    # Verified residents of the district when the tally was stored (None: an imported ballot).
    eligible: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[dict] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = created_at_column()


# Spending publication lives in its own sub-package; imported here so the schema sees it.
from budgeting.spending.models import SpendingLine  # noqa: E402, F401
