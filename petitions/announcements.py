"""The texts of a petition's automatic news posts (SPEC §7): its threshold crossed, its
official response published. Written in every language at once, whatever the language of the
job or request that caused them; the news module posts them and links each to the petition."""

from flask_babel import gettext as _
from flask_babel import ngettext

from core.i18n import in_each_locale, number
from petitions import settings
from petitions.models import Petition


def threshold_reached(petition: Petition, threshold: int) -> dict:
    days = settings.response_days()
    return {
        "title": in_each_locale(
            lambda: _(
                "Petition “%(title)s” reached %(threshold)s signatures",
                title=petition.title,
                threshold=number(threshold),
            )
        ),
        "body": in_each_locale(
            lambda: ngettext(
                "The petition crossed the threshold of %(threshold)s signatures. City Hall "
                "will publish its official response within %(num)s day.",
                "The petition crossed the threshold of %(threshold)s signatures. City Hall "
                "will publish its official response within %(num)s days.",
                days,
                threshold=number(threshold),
            )
        ),
    }


def response_published(petition: Petition) -> dict:
    return {
        "title": in_each_locale(
            lambda: _("City Hall responded to the petition “%(title)s”", title=petition.title)
        ),
        "body": in_each_locale(
            lambda: _(
                "City Hall's official response:\n\n%(response)s", response=petition.response_text
            )
        ),
    }
