from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from budgeting.models import BallotKind, QuestionKind, Rule
from core.forms import Form, LocalDateField

KIND_LABELS = {
    BallotKind.POINTS: _l("Points: split 100 GEL across priorities"),
    BallotKind.APPROVAL: _l("Approval: choose up to k projects"),
    BallotKind.KNAPSACK: _l("Knapsack: choose projects within the budget"),
    BallotKind.RANKING: _l("Ranking: rank up to k projects"),
}
RULE_LABELS = {
    Rule.POINTS: _l("Average of the points"),
    Rule.GREEDY: _l("Greedy by support per cost"),
    Rule.MES: _l("Method of Equal Shares"),
    Rule.MES_GREEDY: _l("Method of Equal Shares with greedy completion"),
}
MONEY = [DataRequired(_l("Please enter an amount.")), NumberRange(min=1, max=10**12)]


class CycleForm(Form):
    title_ka = StringField(_l("Title in Georgian"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    proposals_at = LocalDateField(_l("Proposals open"), validators=[DataRequired()])
    review_at = LocalDateField(_l("Review begins"), validators=[DataRequired()])
    voting_at = LocalDateField(_l("Voting opens"), validators=[DataRequired()])
    results_at = LocalDateField(_l("Voting closes and results are published"),
                                validators=[DataRequired()])  # fmt: skip


class BallotForm(Form):
    district = SelectField(_l("District"), coerce=int, validate_choice=True)
    title_ka = StringField(_l("Title in Georgian"), validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=300)])
    kind = SelectField(_l("Kind of ballot"), choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    rule = SelectField(_l("Counting rule"), choices=[(r.value, v) for r, v in RULE_LABELS.items()])
    budget = DecimalField(_l("Budget in GEL"), places=2, validators=MONEY)
    max_choices = IntegerField(_l("At most this many choices"),
                               validators=[Optional(), NumberRange(min=1, max=1000)])  # fmt: skip
    min_choices = IntegerField(_l("At least this many choices"), default=0,
                               validators=[Optional(), NumberRange(min=0, max=1000)])  # fmt: skip


class OptionForm(Form):
    name_ka = StringField(_l("Name in Georgian"), validators=[DataRequired(), Length(max=300)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=200)])
    cost = DecimalField(_l("Cost in GEL (projects; empty for a priority)"), places=2,
                        validators=[Optional(), NumberRange(min=0, max=10**12)])  # fmt: skip


class ProposalForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        _l("What should be done, and where?"), validators=[DataRequired(), Length(max=5000)]
    )


class ReviewForm(Form):
    cost = DecimalField(_l("Cost in GEL (to accept)"), places=2,
                        validators=[Optional(), NumberRange(min=1, max=10**12)])  # fmt: skip
    note = TextAreaField(_l("Reason (to reject)"), validators=[Optional(), Length(max=2000)])


QUESTION_KIND_LABELS = {
    QuestionKind.SINGLE: _l("Single choice: one answer"),
    QuestionKind.MULTIPLE: _l("Multiple choice: several answers"),
    QuestionKind.TEXT: _l("Free text"),
}


class QuestionForm(Form):
    prompt_ka = StringField(
        _l("Question in Georgian"), validators=[DataRequired(), Length(max=500)]
    )
    prompt_en = StringField(_l("Question in English"), validators=[Optional(), Length(max=500)])
    kind = SelectField(
        _l("Kind of question"), choices=[(k.value, v) for k, v in QUESTION_KIND_LABELS.items()]
    )
    required = BooleanField(_l("Voters must answer it"))
    choices_ka = TextAreaField(
        _l("Answers to choose from in Georgian, one a line"),
        description=_l("For single and multiple choice questions."),
        validators=[Optional(), Length(max=10000)],
    )
    choices_en = TextAreaField(
        _l("The same answers in English, one a line"),
        description=_l("Optional; in the same order as the Georgian ones."),
        validators=[Optional(), Length(max=10000)],
    )
    min_choices = IntegerField(_l("At least this many answers"), default=0,
                               description=_l("For multiple choice questions."),
                               validators=[Optional(), NumberRange(min=0, max=1000)])  # fmt: skip
    max_choices = IntegerField(_l("At most this many answers"),
                               description=_l("For multiple choice questions; empty for no limit."),
                               validators=[Optional(), NumberRange(min=1, max=1000)])  # fmt: skip
    max_length = IntegerField(_l("Longest answer in characters"), default=1000,
                              description=_l("For free-text questions."),
                              validators=[Optional(), NumberRange(min=1, max=5000)])  # fmt: skip
