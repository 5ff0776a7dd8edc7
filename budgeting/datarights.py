"""What budgeting gives for "download my data" and does for "delete my account".

Export: a person's proposals, and on which ballots they voted, never what they chose nor how
they answered its survey (not even to themselves in a file that could be shown to others under
pressure).
Erase: proposals lose their author; a cast vote keeps counting, anonymised (voter_id NULL), and
its free-text survey answers are removed: words may say who wrote them.
Deleting votes would change published results and let an erasure undo a closed vote; what
remains is a list of choices with a random code, tied to no one. During voting this also
means the person cannot vote again from a new account (residency is verified once).
"""

from sqlalchemy import select, text, update

from budgeting.models import Ballot, MailOptIn, Proposal, Vote
from core.db import db


def export(user) -> dict:
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id)
    )
    voted = db.session.execute(
        select(Ballot.id, Ballot.title_ka)
        .join(Vote, Vote.ballot_id == Ballot.id)
        .where(Vote.voter_id == user.id)
        .order_by(Ballot.id)
    )
    return {
        "proposals": [
            {
                "id": p.id,
                "title": p.title,
                "description": p.description,
                "status": p.status,
                "created_at": p.created_at.isoformat(),
            }
            for p in proposals
        ],
        "voted_on_ballots": [{"ballot": ballot_id, "title": title} for ballot_id, title in voted],
        "budget_mail": db.session.get(MailOptIn, user.id) is not None,
    }


def erase(user) -> bool:
    db.session.execute(update(Proposal).where(Proposal.author_id == user.id).values(author_id=None))
    words = text(
        "ARRAY(SELECT key FROM jsonb_each(budget_vote.answers)"
        " WHERE jsonb_typeof(value) = 'string')"
    )
    db.session.execute(
        update(Vote)
        .where(Vote.voter_id == user.id)
        .values(voter_id=None, answers=Vote.answers.op("-")(words))
    )
    return False
