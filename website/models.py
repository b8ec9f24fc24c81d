"""The site-wide pages: home, standard pages, the journal and the enquiry form, with the
navigation, footer and testimonials that editors manage."""

import datetime

from django import forms
from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import Tag, TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    PageChooserPanel,
)
from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from courses.models import CoursePage

from .blocks import BodyBlock
from .feeds import JournalAtomFeed, JournalRssFeed
from .forms import with_honeypot
from .pagetools import SeoMixin, with_listing_renditions

JOURNAL_PAGE_SIZE = 10
HOME_UPCOMING_DATES = 6


# --- Snippets and settings -------------------------------------------------------------


@register_snippet
class Testimonial(index.Indexed, models.Model):
    """Something a delegate or school said about a course, used with permission."""

    quote = models.TextField()
    name = models.CharField(
        max_length=120,
        help_text="As the person agreed to be named, e.g. 'Sam K.' or 'A deputy head'.",
    )
    role = models.CharField(max_length=120, blank=True, help_text="e.g. 'Assistant head'.")
    organisation = models.CharField(
        max_length=160,
        blank=True,
        help_text="Name a school only with its permission; otherwise describe it.",
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="testimonials",
        help_text="The course this is about, so that it shows on that course's page.",
    )
    show_on_home_page = models.BooleanField(default=False)

    panels = [
        FieldPanel("quote"),
        FieldRowPanel([FieldPanel("name"), FieldPanel("role")]),
        FieldPanel("organisation"),
        FieldPanel("course"),
        FieldPanel("show_on_home_page"),
    ]
    search_fields = [index.SearchField("quote"), index.SearchField("name")]

    class Meta:
        ordering = ["-pk"]

    def __str__(self):
        return f"{self.name}: {self.quote[:50]}"


class LinkBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock()
    label = blocks.CharBlock(required=False, help_text="Leave blank to use the page's title.")

    class Meta:
        icon = "link"


@register_setting(icon="list-ul")
class NavigationSettings(BaseGenericSetting):
    primary_links = StreamField(
        [("link", LinkBlock())],
        blank=True,
        help_text="The links across the top of every page, in order.",
    )

    panels = [FieldPanel("primary_links")]

    class Meta:
        verbose_name = "navigation"


@register_setting(icon="doc-full")
class FooterSettings(BaseGenericSetting):
    organisation_name = models.CharField(max_length=120, default="Northlight Coaching")
    address = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    vat_number = models.CharField(
        max_length=20, blank=True, help_text="Shown in the footer and, later, on invoices."
    )
    company_number = models.CharField(max_length=20, blank=True)
    links = StreamField([("link", LinkBlock())], blank=True, help_text="Policies and the like.")

    panels = [
        FieldPanel("organisation_name"),
        FieldPanel("address"),
        FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
        FieldRowPanel([FieldPanel("vat_number"), FieldPanel("company_number")]),
        FieldPanel("links"),
    ]

    class Meta:
        verbose_name = "footer"


# --- Pages ------------------------------------------------------------------------------


class HomePage(SeoMixin, Page):
    hero_heading = models.CharField(max_length=160)
    hero_intro = models.TextField(help_text="Two or three sentences on what the provider offers.")
    hero_link = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where the main button goes, usually the course catalogue.",
    )
    hero_link_text = models.CharField(max_length=60, default="Browse our courses")
    offer = StreamField(
        [
            (
                "item",
                blocks.StructBlock(
                    [
                        ("heading", blocks.CharBlock(max_length=80)),
                        ("text", blocks.TextBlock()),
                    ],
                    icon="tick",
                ),
            )
        ],
        blank=True,
        help_text="Short panels on what the provider offers schools.",
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("hero_heading"),
                FieldPanel("hero_intro"),
                FieldRowPanel([PageChooserPanel("hero_link"), FieldPanel("hero_link_text")]),
            ],
            heading="Introduction",
        ),
        FieldPanel("offer"),
        InlinePanel("featured_courses", label="Featured courses", max_num=6),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "website.StandardPage",
        "website.JournalIndexPage",
        "website.FormPage",
        "courses.CourseIndexPage",
    ]
    max_count = 1

    @property
    def listing_summary(self):
        return self.hero_intro

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        featured = self.featured_courses.prefetch_related(
            Prefetch(
                "course",
                queryset=with_listing_renditions(CoursePage.for_listing()),
            )
        )
        context["featured_courses"] = [item.course for item in featured if item.course]
        context["upcoming_cohorts"] = list(CoursePage.listed_cohorts()[:HOME_UPCOMING_DATES])
        context["latest_posts"] = with_listing_renditions(
            JournalPage.for_listing().order_by("-date", "-pk")
        )[:3]
        context["testimonials"] = Testimonial.objects.filter(show_on_home_page=True)[:3]
        context["journal_index"] = JournalIndexPage.objects.live().first()
        return context


class HomePageFeaturedCourse(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_courses")
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="+", null=True
    )

    panels = [PageChooserPanel("course", "courses.CoursePage")]


class StandardPage(SeoMixin, Page):
    intro = models.TextField(blank=True, help_text="A sentence or two shown under the title.")
    body = StreamField(BodyBlock(), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["website.HomePage", "website.StandardPage"]
    subpage_types = ["website.StandardPage"]

    @property
    def listing_summary(self):
        return self.intro


class JournalPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "website.JournalPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class JournalIndexPage(SeoMixin, RoutablePageMixin, Page):
    """The weekly journal: a paginated list of posts, with tag and month archives and
    RSS and Atom feeds."""

    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["website.HomePage"]
    subpage_types = ["website.JournalPage"]
    max_count = 1

    @property
    def listing_summary(self):
        return self.intro

    def posts(self):
        return JournalPage.objects.live().public().child_of(self).order_by("-date", "-pk")

    def _render_listing(self, request, posts, heading="", archive=None):
        posts = with_listing_renditions(posts).prefetch_related("tags")
        paginator = Paginator(posts, JOURNAL_PAGE_SIZE)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except PageNotAnInteger:
            page_obj = paginator.page(1)
        except EmptyPage as exc:
            raise Http404("There is no such page of posts.") from exc
        context = self.get_context(request)
        context.update(
            {
                "page_obj": page_obj,
                "posts": page_obj.object_list,
                "archive_heading": heading,
                "archive": archive,
                "tags": self.popular_tags(),
                "months": self.posts().dates("date", "month", order="DESC")[:12],
            }
        )
        return render(request, self.get_template(request), context)

    def popular_tags(self, limit=15):
        return (
            Tag.objects.filter(
                website_journalpagetag_items__content_object__in=self.posts().values("pk")
            )
            .annotate(post_count=Count("website_journalpagetag_items"))
            .order_by("-post_count", "name")[:limit]
        )

    @path("")
    def index_route(self, request):
        return self._render_listing(request, self.posts())

    @path("tag/<slug:tag>/", name="tag")
    def tag_archive(self, request, tag):
        tag_obj = Tag.objects.filter(slug=tag).first()
        if tag_obj is None:
            raise Http404("No posts have that tag.")
        posts = self.posts().filter(tags=tag_obj)
        return self._render_listing(
            request, posts, heading=f"Posts tagged “{tag_obj.name}”", archive=tag_obj
        )

    @re_path(r"^(?P<year>\d{4})/(?P<month>\d{1,2})/$", name="month")
    def month_archive(self, request, year, month):
        year, month = int(year), int(month)
        if not 1 <= month <= 12 or year < 1:
            raise Http404("There is no such month.")
        posts = self.posts().filter(date__year=year, date__month=month)
        label = datetime.date(year, month, 1).strftime("%B %Y")
        return self._render_listing(request, posts, heading=f"Posts from {label}", archive=label)

    @path("feed/rss/", name="rss")
    def rss_feed(self, request):
        return JournalRssFeed(self)(request)

    @path("feed/atom/", name="atom")
    def atom_feed(self, request):
        return JournalAtomFeed(self)(request)


class JournalPage(SeoMixin, Page):
    og_type = "article"

    date = models.DateField("post date", default=datetime.date.today)
    author = models.CharField(max_length=120, help_text="Who wrote the post.")
    intro = models.TextField(
        max_length=400, help_text="One or two sentences shown in listings and feeds."
    )
    listing_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown in listings and when the post is shared.",
    )
    body = StreamField(BodyBlock(), blank=True)
    tags = ClusterTaggableManager(through=JournalPageTag, blank=True)
    courses = ParentalManyToManyField(
        "courses.CoursePage",
        blank=True,
        related_name="journal_posts",
        help_text="Courses this post is about; it is then listed on their pages.",
    )

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("author")]),
        FieldPanel("intro"),
        FieldPanel("listing_image"),
        FieldPanel("body"),
        FieldPanel("tags"),
        FieldPanel("courses", widget=forms.CheckboxSelectMultiple),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("author"),
        index.FilterField("date"),
    ]

    parent_page_types = ["website.JournalIndexPage"]
    subpage_types = []

    class Meta:
        ordering = ["-date"]

    @property
    def listing_summary(self):
        return self.intro

    @classmethod
    def for_listing(cls):
        """Live posts without their bodies, which listings and feeds never show."""
        return cls.objects.live().public().defer("body")

    @cached_property
    def published_datetime(self):
        """The post date as an aware London datetime, for feeds and structured data."""
        at = datetime.datetime.combine(self.date, datetime.time(9, 0))
        return timezone.make_aware(at, timezone.get_default_timezone())

    def related_posts(self, limit=3):
        """Other live posts sharing most tags with this one, newest first."""
        siblings = JournalPage.for_listing().exclude(pk=self.pk)
        tag_ids = [tag.pk for tag in self.tags.all()]
        related = (
            siblings.filter(tags__in=tag_ids)
            .annotate(shared=Count("pk"))
            .order_by("-shared", "-date", "-pk")
        )
        return with_listing_renditions(related)[:limit]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["related_posts"] = self.related_posts()
        context["journal_index"] = self.get_parent().specific
        return context


class FormField(AbstractFormField):
    page = ParentalKey("FormPage", on_delete=models.CASCADE, related_name="form_fields")


class FormPage(SeoMixin, AbstractEmailForm):
    """An enquiry form, e.g. for in-school and bespoke training. Submissions are kept in
    the admin and emailed to the office."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link", "ul"])
    thank_you_text = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [
        *AbstractEmailForm.content_panels,
        FormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel("form_fields", label="Form fields"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
                FieldPanel("subject"),
            ],
            heading="Email to the office",
        ),
    ]
    parent_page_types = ["website.HomePage"]
    subpage_types = []

    def get_form_class(self):
        return with_honeypot(super().get_form_class())

    def process_form_submission(self, form):
        if form.is_spam:
            # Pretend it worked, so that a bot learns nothing; keep and send nothing.
            return None
        if not self.to_address:
            self.to_address = settings.OFFICE_EMAIL
        return super().process_form_submission(form)


class RateCount(models.Model):
    """How many requests one client made in one window of time, for one rate limit
    (website.ratelimit). In the database so that every worker and machine shares it."""

    scope = models.CharField(max_length=32)
    client = models.CharField(max_length=64)  # an IPv4 address or an IPv6 /64 network
    window = models.PositiveBigIntegerField()  # seconds since the epoch // window length
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "client", "window"], name="one_rate_count_a_window"
            )
        ]
        indexes = [models.Index(fields=["scope", "window"], name="rate_count_window")]

    def __str__(self):
        return f"{self.scope} {self.client}: {self.count}"
