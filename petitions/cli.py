"""`flask petitions ...`: the clock and the counter on demand, for operators."""

import click

from core.transactions import CommandGroup
from petitions import counting, services

petitions_cli = CommandGroup("petitions", help="Petitions to the Mayor.")


@petitions_cli.command("tick")
def tick():
    """Close petitions past their deadline, flag overdue responses, anonymise old signatures."""
    result = services.tick()
    click.echo(
        f"closed {result['closed']}, overdue responses flagged {result['overdue']}, "
        f"signatures anonymised {result['anonymised']}"
    )


@petitions_cli.command("count")
def count():
    """Add new signatures to the shown counts now."""
    click.echo(f"counted {counting.count_new_signatures()} signatures")


@petitions_cli.command("reconcile")
def reconcile():
    """Recount every petition from its signatures."""
    click.echo(f"corrected {counting.reconcile()} petitions")
