"""The texts of the automatic news posts of a budget cycle (SPEC §7): voting opened, results
published. Written in every language at once, whatever the language of the page, job or command
that moved the cycle; the news module posts them and links each post to the cycle, whose page
lists the district ballots (the post's "related" panel leads there)."""

from flask_babel import gettext as _

from budgeting.models import Cycle
from core.i18n import in_each_locale, when


def voting_opened(cycle: Cycle) -> dict:
    return {
        "title": in_each_locale(lambda: _("%(cycle)s: voting has opened", cycle=cycle.title)),
        "body": in_each_locale(
            lambda: _(
                "Residents with a confirmed place of registration can vote on their "
                "district's ballot, and change their vote, until %(date)s.",
                date=when(cycle.results_at),
            )
        ),
    }


def results_published(cycle: Cycle) -> dict:
    return {
        "title": in_each_locale(lambda: _("%(cycle)s: results published", cycle=cycle.title)),
        "body": in_each_locale(
            lambda: _(
                "The results of every district ballot, with the reason each project won or "
                "lost, and the anonymised ballots to recompute them, are online."
            )
        ),
    }
