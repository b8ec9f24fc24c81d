"""Certificates issued at the same moment get unique numbers with no gaps (PostgreSQL,
where the counter's row lock is real)."""

import datetime

import pytest

from accounts import roles
from certification.models import Certificate
from certification.services.certificates import issue

from ..bookings.test_concurrency import at_once
from .certificates_world import award, ready
from .portfolio_world import person

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
THREADS = 12


def test_concurrent_issues_give_unique_gap_free_numbers():
    office = person("office@provider.example", roles.PROVIDER_ADMINS)
    made = award()
    enrolments = [ready(made) for _ in range(THREADS)]
    # One of them is not ready: its refusal must not take a number.
    blocked = ready(made, recommend=False)
    everyone = [*enrolments, blocked]
    today = datetime.date(2026, 7, 20)
    results = at_once(lambda i: issue(everyone[i], office, today=today), len(everyone))
    issued = [r for r in results if isinstance(r, Certificate)]
    assert len(issued) == THREADS
    numbers = sorted(c.number for c in issued)
    assert numbers == [f"{made.number_prefix}-2026-{n:04d}" for n in range(1, THREADS + 1)]
    assert len({c.code for c in issued}) == THREADS
