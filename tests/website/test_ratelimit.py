"""Rate limits count per client, where the client is what our own proxy saw (never what
the client claims), share their counts between workers (the database), and forget old
windows."""

import datetime

import pytest
from django.test import RequestFactory, override_settings
from django.utils import timezone

from website import ratelimit
from website.models import RateCount

from ..bookings.test_concurrency import at_once

pytestmark = pytest.mark.django_db


def request(remote="127.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/verify/", **meta)


@pytest.mark.parametrize(
    ("hops", "remote", "forwarded", "client"),
    [
        (0, "203.0.113.5", None, "203.0.113.5"),
        (0, "203.0.113.5", "198.51.100.1", "203.0.113.5"),  # nobody vouches for it
        (1, "127.0.0.1", "203.0.113.5", "203.0.113.5"),  # nginx appended it
        (1, "127.0.0.1", "10.9.9.9, 203.0.113.5", "203.0.113.5"),  # the left part is made up
        (2, "127.0.0.1", "10.9.9.9, 203.0.113.5, 192.0.2.10", "203.0.113.5"),
        (1, "127.0.0.1", None, "127.0.0.1"),
        (1, "127.0.0.1", "not an address", "unknown"),
        (0, "2001:db8:1:2:3:4:5:6", None, "2001:db8:1:2::/64"),  # one /64 is one client
        (0, "::ffff:203.0.113.5", None, "203.0.113.5"),
    ],
)
def test_the_client_is_what_our_own_proxy_saw(hops, remote, forwarded, client):
    with override_settings(TRUSTED_PROXY_COUNT=hops):
        assert ratelimit.client_address(request(remote, forwarded)) == client


def test_each_client_has_its_own_count_in_each_window(monkeypatch):
    now = timezone.make_aware(datetime.datetime(2026, 11, 25, 10, 0, 5))
    monkeypatch.setattr(ratelimit.timezone, "now", lambda: now)

    def over(remote):
        return ratelimit.over_limit(request(remote), "test", limit=2, seconds=600)

    assert [over("203.0.113.5") for _ in range(3)] == [False, False, True]
    assert over("198.51.100.7") is False  # someone else is not held up
    assert over("2001:db8:1:2::9") is False
    assert over("2001:db8:1:2::10") is False
    assert over("2001:db8:1:2::11") is True  # the same /64
    now += datetime.timedelta(minutes=10)  # the next window
    assert over("203.0.113.5") is False
    now += datetime.timedelta(minutes=10)  # a new window forgets all but the last
    over("203.0.113.5")
    assert {row.window for row in RateCount.objects.filter(scope="test")} == {
        int(now.timestamp()) // 600 - 1,
        int(now.timestamp()) // 600,
    }


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_requests_at_once_are_each_counted():
    results = at_once(lambda i: ratelimit.over_limit(request(), "race", limit=100, seconds=600), 10)
    assert results == [False] * 10
    assert RateCount.objects.get(scope="race").count == 10
