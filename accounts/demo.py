"""Demo accounts, one per role, so a newcomer can try every part (`flask demo load`, never in
production). The README lists them; they all share DEMO_PASSWORD."""

from accounts import services
from core.db import utcnow
from core.districts import by_slug
from core.models import Role

DEMO_PASSWORD = "ghia-demo-password"  # noqa: S105 (demo data only; never loaded in production)
DEMO_DISTRICT = "vake"
# (e-mail, name, role, districts the role is scoped to)
DEMO_ACCOUNTS = [
    ("resident@demo.example.org", "ნინო ბერიძე", Role.RESIDENT, ()),
    ("staff@demo.example.org", "გიორგი კაპანაძე", Role.DISTRICT_STAFF, (DEMO_DISTRICT,)),
    ("moderator@demo.example.org", "თამარ ლომიძე", Role.MODERATOR, ()),
    ("editor@demo.example.org", "ლევან გელაშვილი", Role.EDITOR, ()),
    ("budget@demo.example.org", "ანა ჯაფარიძე", Role.BUDGET_ADMIN, ()),
    ("admin@demo.example.org", "დავით მაისურაძე", Role.ADMIN, ()),
]


def load() -> str:
    """Create the accounts that are missing; the resident lives, verified, in Vake."""
    made = 0
    for email, name, role, districts in DEMO_ACCOUNTS:
        if services.find_user(email) is None:
            services.create_user(email, name, DEMO_PASSWORD, role, districts)
            made += 1
    resident = services.find_user(DEMO_ACCOUNTS[0][0])
    if resident.verified_district_id is None:  # as if checked against the census list
        resident.district_id = resident.verified_district_id = by_slug(DEMO_DISTRICT).id
        resident.residency_verified_at = utcnow()
    return f"accounts: {made} demo accounts added ({len(DEMO_ACCOUNTS)} in all)"
