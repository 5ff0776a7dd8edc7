"""The texts of the automatic news posts of a budget cycle (SPEC §7): voting opened, results
published. Written in every language at once, whatever the language of the page or job that
moved the cycle; the news module posts them and links the post to the cycle."""

from flask_babel import gettext as _

from budgeting.models import Cycle
from core.i18n import in_each_locale, when
from core.security import site_url


def voting_opened(cycle: Cycle) -> dict:
    url = site_url("budgeting.cycle", cycle_id=cycle.id)
    return {
        "title": in_each_locale(lambda: _("%(cycle)s: voting has opened", cycle=cycle.title)),
        "body": in_each_locale(
            lambda: _(
                "Residents with a confirmed place of registration can vote on their "
                "district's ballot, and change their vote, until %(date)s. The ballots of "
                "every district: <%(url)s>",
                date=when(cycle.results_at),
                url=url,
            )
        ),
    }


def results_published(cycle: Cycle) -> dict:
    url = site_url("budgeting.cycle", cycle_id=cycle.id)
    return {
        "title": in_each_locale(lambda: _("%(cycle)s: results published", cycle=cycle.title)),
        "body": in_each_locale(
            lambda: _(
                "The results of every district ballot, and the anonymised ballots to recompute "
                "them, are online: <%(url)s>",
                url=url,
            )
        ),
    }
