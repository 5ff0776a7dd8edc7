"""What a staff CSV import reports (census list, budget spending): the problems found, each
with its line, the first MAX_PROBLEMS listed and the rest counted."""

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _

MAX_PROBLEMS = 50


@dataclass
class ImportReport:
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0

    @property
    def refused(self) -> bool:
        return bool(self.problems)

    def problem(self, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)
        else:
            self.more_problems += 1


def csv_problem(line: int, error: csv.Error) -> str:
    """The csv module's error for the record starting at `line`, in the reader's words."""
    text = str(error)
    if "field limit" in text:
        return _("Line %(line)s: a field is far too long.", line=line)
    if "end of data" in text or "EOF" in text:
        return _("Line %(line)s: a quotation mark is opened and never closed.", line=line)
    return _("Line %(line)s: the line cannot be read as CSV.", line=line)


def csv_records(reader, report: ImportReport) -> Iterator[tuple[int, list[str]]]:
    """(line it starts on, cells) of each record of a `csv.reader`; a record that breaks the
    CSV itself goes into `report` and ends the reading, since nothing after it can be trusted."""
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            report.problem(csv_problem(start, error))
            return
        yield start, row
