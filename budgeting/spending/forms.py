from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired

from core.forms import Form


class SpendingUploadForm(Form):
    file = FileField(
        _l("Spending lines (CSV)"),
        description=_l(
            "Columns: year, district, category, planned, actual; optionally category_en, "
            "description, source. Amounts in GEL."
        ),
        validators=[
            FileRequired(_l("Please choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Please choose a CSV file.")),
        ],
    )
