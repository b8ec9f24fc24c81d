import pytest
from django.contrib.auth.models import Group

from accounts import roles
from courses.models import CourseIndexPage, CoursePage
from website.demo.seed import seed_demo
from website.models import HomePage, JournalIndexPage, JournalPage


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres_only run in the PostgreSQL pass of `make test`; in the SQLite
    pass they are deselected (not skipped: under CI=true a skip is a failure)."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    keep = [item for item in items if item.get_closest_marker("postgres_only") is None]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test starts from the demo site, built once per run.

    The seeded database is also serialized, so that transactional tests (the browser
    tests, marked serialized_rollback=True) get the demo back after each flush. It is set
    on the backend's wrapper class because the live server and Django's test case replace
    the connection objects; every wrapper for this run then carries the same snapshot.
    """
    from django.db import connections

    with django_db_blocker.unblock():
        seed_demo(demo_users=False)
        wrapper = connections["default"]
        snapshot = wrapper.creation.serialize_db_to_string()
        type(wrapper)._test_serialized_contents = snapshot
        # pytest-django also left its own (pre-seed) snapshot on this connection object,
        # which would shadow the class attribute for tests run in this thread.
        wrapper._test_serialized_contents = snapshot


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Cached navigation and pages must not leak from one test into the next."""
    from django.core.cache import caches

    for alias in ("default", "pages"):
        caches[alias].clear()
    yield
    for alias in ("default", "pages"):
        caches[alias].clear()


@pytest.fixture
def home(db):
    return HomePage.objects.get()


@pytest.fixture
def course_index(db):
    return CourseIndexPage.objects.get()


@pytest.fixture
def journal(db):
    return JournalIndexPage.objects.get()


@pytest.fixture
def ccc(db):
    return CoursePage.objects.get(slug="certificate-in-coaching-competence")


@pytest.fixture
def post(db):
    return JournalPage.objects.get(slug="fifteen-minutes-a-week")


@pytest.fixture
def make_user(db, django_user_model):
    def make(role=None, email=None, password="a-long-test-password", **extra):
        slug = (role or "nobody").lower().replace(" ", "-")
        user = django_user_model.objects.create_user(
            email=email or f"{slug}@test.example",
            password=password,
            first_name=extra.pop("first_name", "Test"),
            last_name=extra.pop("last_name", role or "User"),
            **extra,
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def editor(make_user):
    return make_user(roles.EDITORS)


@pytest.fixture
def moderator(make_user):
    return make_user(roles.MODERATORS)


@pytest.fixture
def fake_stripe(settings):
    """A local fake of Stripe's API with the real client pointed at it: card payment is
    offered, and nothing leaves the machine."""
    from tests.stripe_fake import FakeStripe

    with FakeStripe(api_key="sk_test_fake", webhook_secret="whsec_test_fake") as fake:
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_WEBHOOK_SECRET = "whsec_test_fake"
        settings.STRIPE_API_BASE = fake.base_url
        yield fake
