"""Budget jobs: cycles move to the phase their dates say, every minute."""

from budgeting import services
from core import tasks


@tasks.periodic("* * * * *", periodic_id="budget-phases")
@tasks.job("budgeting.advance_phases", lock="budget-phases", retry=None)
def advance_phases(timestamp: int | None = None) -> None:
    services.advance_by_date()
