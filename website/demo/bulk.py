"""A large data set (many courses and journal posts) for query-count tests and benchmarks.

Pages are added without revisions, which is much faster and renders the same.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from courses.models import Audience, CourseIndexPage, CoursePage
from courses.pricing import Charging
from website.models import JournalIndexPage, JournalPage

from .images import get_or_create_image

FORMATS = ["open", "in_school", "certification", "partnership"]
LENGTHS = ["half_day", "one_day", "two_days", "several_sessions"]


@transaction.atomic
def add_bulk_content(courses=50, posts=200, images=5):
    course_index = CourseIndexPage.objects.get()
    journal = JournalIndexPage.objects.get()
    pictures = [
        get_or_create_image(f"Bulk picture {n}", "Abstract pattern")[0] for n in range(images)
    ]
    audiences = list(Audience.objects.all())
    start = CoursePage.objects.count()
    for n in range(start, start + courses):
        page = CoursePage(
            title=f"Bulk course {n}",
            slug=f"bulk-course-{n}",
            summary=f"A generated course, number {n}, for measuring the catalogue.",
            format=FORMATS[n % len(FORMATS)],
            length=LENGTHS[n % len(LENGTHS)],
            listing_image=pictures[n % len(pictures)],
            price_amount="150.00",
            charging=Charging.PER_DELEGATE,
        )
        page.audiences = [audiences[n % len(audiences)]]
        course_index.add_child(instance=page)
        course_index.refresh_from_db()
    today = timezone.localdate()
    start = JournalPage.objects.count()
    for n in range(start, start + posts):
        post = JournalPage(
            title=f"Bulk journal post {n}",
            slug=f"bulk-journal-post-{n}",
            author="Generated",
            date=today - datetime.timedelta(days=n + 1),
            intro=f"A generated journal post, number {n}, for measuring the journal.",
            listing_image=pictures[n % len(pictures)],
            body=[("paragraph", "<p>Generated text.</p>")],
        )
        post.tags.add(f"bulk topic {n % 12}", "coaching practice")
        journal.add_child(instance=post)
        journal.refresh_from_db()
