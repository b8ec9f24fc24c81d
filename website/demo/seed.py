"""Build the demo site. Safe to run again: anything that already exists is left alone."""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from courses.models import Audience, CourseIndexPage, CoursePage
from website.models import (
    FooterSettings,
    FormField,
    FormPage,
    HomePage,
    HomePageFeaturedCourse,
    JournalIndexPage,
    JournalPage,
    NavigationSettings,
    StandardPage,
    Testimonial,
)

from . import content
from .bookings import seed_bookings
from .certification import seed_awards, seed_certification_year, seed_portfolios
from .images import get_or_create_image


@dataclass
class SeedReport:
    created: list = field(default_factory=list)
    users: list = field(default_factory=list)

    def add(self, what):
        self.created.append(what)


def _publish_new(parent, page, report):
    parent.add_child(instance=page)
    page.save_revision(log_action=False).publish(log_action=False)
    report.add(f"{page._meta.verbose_name}: {page.title}")
    return page


def _child(parent, model, slug):
    return model.objects.child_of(parent).filter(slug=slug).first()


def _paragraphs(items):
    blocks = []
    for item in items:
        if isinstance(item, str):
            blocks.append(("paragraph", f"<p>{item}</p>"))
        elif item[0] == "quote":
            _, quote, attribution, organisation = item
            blocks.append(
                (
                    "quote",
                    {"quote": quote, "attribution": attribution, "organisation": organisation},
                )
            )
        elif item[0] == "resource":
            _, title, url, description = item
            blocks.append(
                (
                    "resource_link",
                    {"title": title, "url": url, "page": None, "description": description},
                )
            )
    return blocks


@transaction.atomic
def seed_demo(*, demo_users=True, today=None):
    today = today or timezone.localdate()
    report = SeedReport()
    home = _home_page(report)
    _default_site(home)
    _settings_and_pages(home, report)
    course_index = _course_index(home, report)
    courses = _courses(course_index, report)
    _featured_courses(home, courses, report)
    _testimonials(courses, report)
    journal = _journal(home, courses, today, report)
    enquiry = _enquiry_form(home, courses, report)
    _navigation(home, course_index, journal, enquiry, report)
    if demo_users:
        _users(report)
    seed_bookings(report, today=today, demo_users=demo_users)
    seed_awards(report)
    seed_portfolios(report, today=today, demo_users=demo_users)
    seed_certification_year(report, today=today, demo_users=demo_users)
    return report


def _home_page(report):
    home = HomePage.objects.first()
    if home:
        return home
    root = Page.get_first_root_node()
    # Wagtail's migrations leave a placeholder welcome page; the home page replaces it.
    for placeholder in root.get_children().filter(content_type__model="page", slug="home"):
        placeholder.delete()
    data = content.HOME
    home = HomePage(
        title=data["title"],
        slug="home",
        hero_heading=data["hero_heading"],
        hero_intro=data["hero_intro"],
        offer=[("item", {"heading": h, "text": t}) for h, t in data["offer"]],
        seo_title=content.ORGANISATION["organisation_name"],
        search_description=data["hero_intro"],
    )
    _publish_new(root, home, report)
    return home


def _default_site(home):
    """Point the default site at the address the site is really served at (BASE_URL), so
    that sitemaps, canonical links, structured data and emails carry working URLs."""
    address = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    port = address.port or (443 if address.scheme == "https" else 80)
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    wanted = {
        "hostname": address.hostname,
        "port": port,
        "root_page_id": home.pk,
        "site_name": content.ORGANISATION["organisation_name"],
    }
    if any(getattr(site, name) != value for name, value in wanted.items()):
        for name, value in wanted.items():
            setattr(site, name, value)
        site.save()
        Site.clear_site_root_paths_cache()
    return site


def _settings_and_pages(home, report):
    footer = FooterSettings.load()
    if not footer.address:
        for key, value in content.ORGANISATION.items():
            setattr(footer, key, value)
        footer.save()
        report.add("footer settings")
    for data in content.STANDARD_PAGES:
        if _child(home, StandardPage, data["slug"]):
            continue
        page = StandardPage(
            title=data["title"],
            slug=data["slug"],
            intro=data["intro"],
            body=_paragraphs(data["body"]),
        )
        _publish_new(home, page, report)
    if not footer.links:
        footer.links = [
            ("link", {"page": _child(home, StandardPage, slug), "label": ""})
            for slug in ("about", "contact", "privacy", "accessibility")
        ]
        footer.save()


def _course_index(home, report):
    index = _child(home, CourseIndexPage, content.COURSE_INDEX["slug"])
    if index:
        return index
    return _publish_new(home, CourseIndexPage(**content.COURSE_INDEX), report)


def _courses(index, report):
    audiences = {audience.slug: audience for audience in Audience.objects.all()}
    courses = {}
    for data in content.COURSES:
        existing = _child(index, CoursePage, data["slug"])
        if existing:
            courses[data["slug"]] = existing
            continue
        image, _ = get_or_create_image(
            data["title"], f"Abstract pattern illustrating {data['title']}"
        )
        fields = {k: v for k, v in data.items() if k not in ("audiences", "included")}
        page = CoursePage(
            **fields,
            listing_image=image,
            included=[("item", item) for item in data["included"]],
            search_description=data["summary"],
        )
        page.audiences = [audiences[slug] for slug in data["audiences"]]
        courses[data["slug"]] = _publish_new(index, page, report)
    return courses


def _featured_courses(home, courses, report):
    if home.featured_courses.exists():
        return
    for order, slug in enumerate(content.FEATURED_COURSES):
        HomePageFeaturedCourse.objects.create(page=home, course=courses[slug], sort_order=order)
    # Keep the published revision in step with the new rows.
    home.refresh_from_db()
    home.hero_link = CourseIndexPage.objects.first()
    home.save_revision(log_action=False).publish(log_action=False)
    report.add("featured courses")


def _testimonials(courses, report):
    for data in content.TESTIMONIALS:
        values = {**data, "course": courses.get(data["course"])}
        _, created = Testimonial.objects.get_or_create(
            quote=data["quote"], defaults={k: v for k, v in values.items() if k != "quote"}
        )
        if created:
            report.add(f"testimonial from {data['name']}")


def _journal(home, courses, today, report):
    journal = _child(home, JournalIndexPage, content.JOURNAL_INDEX["slug"])
    if journal is None:
        journal = _publish_new(home, JournalIndexPage(**content.JOURNAL_INDEX), report)
    monday = today - datetime.timedelta(days=today.weekday())
    for data in content.POSTS:
        if _child(journal, JournalPage, data["slug"]):
            continue
        image, _ = get_or_create_image(data["title"], f"Abstract pattern for “{data['title']}”")
        post = JournalPage(
            title=data["title"],
            slug=data["slug"],
            author=data["author"],
            date=monday - datetime.timedelta(weeks=data["weeks_ago"]),
            intro=data["intro"],
            listing_image=image,
            body=_paragraphs(data["body"]),
            search_description=data["intro"],
        )
        post.tags.add(*data["tags"])
        post.courses = [courses[slug] for slug in data["courses"]]
        _publish_new(journal, post, report)
    _scheduled_post(journal, monday, report)
    return journal


def _scheduled_post(journal, monday, report):
    """One post written and approved, waiting for its go-live time next Monday."""
    data = content.SCHEDULED_POST
    if _child(journal, JournalPage, data["slug"]):
        return
    next_monday = monday + datetime.timedelta(weeks=1)
    go_live = timezone.make_aware(datetime.datetime.combine(next_monday, datetime.time(7, 0)))
    post = JournalPage(
        title=data["title"],
        slug=data["slug"],
        author=data["author"],
        date=next_monday,
        intro=data["intro"],
        body=_paragraphs(data["body"]),
        live=False,
        go_live_at=go_live,
    )
    post.tags.add(*data["tags"])
    journal.add_child(instance=post)
    # Publishing a revision whose go-live time is in the future schedules it.
    post.save_revision(log_action=False).publish(log_action=False)
    report.add(f"scheduled post: {post.title} (goes live {go_live:%d/%m/%Y %H:%M})")


def _enquiry_form(home, courses, report):
    data = content.ENQUIRY_FORM
    form_page = _child(home, FormPage, data["slug"])
    if form_page:
        return form_page
    form_page = FormPage(
        **data, to_address=content.ORGANISATION["email"], from_address="website@coaching.example"
    )
    course_choices = "\n".join([*(c.title for c in courses.values()), "Not sure yet"])
    fields = [
        ("School or trust", "singleline", True, "", ""),
        ("Your name", "singleline", True, "", ""),
        ("Your email address", "email", True, "", ""),
        (
            "Phone number",
            "singleline",
            False,
            "",
            "Optional: a number we can call in school hours.",
        ),
        ("Course of interest", "dropdown", True, course_choices, ""),
        ("Number of staff", "number", True, "", "Roughly how many staff would take part."),
        ("Preferred dates", "multiline", False, "", "Terms, weeks or days that would suit you."),
        ("Anything else", "multiline", False, "", ""),
    ]
    for order, (label, field_type, required, choices, help_text) in enumerate(fields):
        form_page.form_fields.add(
            FormField(
                sort_order=order,
                label=label,
                field_type=field_type,
                required=required,
                choices=choices,
                help_text=help_text,
            )
        )
    return _publish_new(home, form_page, report)


def _navigation(home, course_index, journal, enquiry, report):
    navigation = NavigationSettings.load()
    if navigation.primary_links:
        return
    about = _child(home, StandardPage, "about")
    contact = _child(home, StandardPage, "contact")
    navigation.primary_links = [
        ("link", {"page": course_index, "label": ""}),
        ("link", {"page": journal, "label": ""}),
        ("link", {"page": enquiry, "label": "In-school training"}),
        ("link", {"page": about, "label": ""}),
        ("link", {"page": contact, "label": ""}),
    ]
    navigation.save()
    report.add("navigation")


def _users(report):
    User = get_user_model()
    for email, first, last, role, is_superuser in content.DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "is_superuser": is_superuser,
                "is_staff": is_superuser,
            },
        )
        if created:
            user.set_password(content.DEMO_PASSWORD)
            user.save()
            user.groups.add(Group.objects.get(name=role))
            report.add(f"user {email}")
        report.users.append((role, email))
