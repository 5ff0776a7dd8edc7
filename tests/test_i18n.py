"""Locale-aware formatting and bilingual rendering."""

from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _

from core.i18n import day, in_each_locale, money, number


def test_gel_numbers_and_dates_follow_the_locale(ctx):
    with force_locale("en"):
        assert money(1234.5) == "1,234.50\xa0GEL"  # the code after the amount, spaced
        assert number(1234567) == "1,234,567"
        assert day(date(2017, 10, 20)) == "20 October 2017"
    with force_locale("ka"):
        assert money(1234.5).replace("\xa0", " ") == "1 234,50 ₾"
        assert number(1234567).replace("\xa0", " ") == "1 234 567"
        assert day(date(2017, 10, 20)) == "2017 წლის 20 ოქტომბერი"


def test_in_each_locale_renders_both_languages(ctx):
    texts = in_each_locale(lambda: _("News"))
    assert texts == {"ka": "სიახლეები", "en": "News"}
