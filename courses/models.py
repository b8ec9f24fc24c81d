"""The catalogue: a course index with filters and one page per course."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Prefetch
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, Site
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from website.pagetools import SeoMixin, with_listing_renditions

from .blocks import ProgrammeBlock
from .choices import CourseFormat, CourseLength
from .forms import CourseFilterForm
from .pricing import Charging, StandardPrice


@register_snippet
class Audience(models.Model):
    """Who a course is for; the catalogue can be filtered by it."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("sort_order")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "audiences"

    def __str__(self):
        return self.name


class CourseIndexPage(SeoMixin, Page):
    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["website.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    @property
    def listing_summary(self):
        return self.intro

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        form = CourseFilterForm(request.GET or None, audiences=Audience.objects.all())
        courses = CoursePage.for_listing().child_of(self)
        if form.is_valid():
            courses = form.filter(courses)
        courses = with_listing_renditions(courses.order_by("path")).prefetch_related(
            "audiences", CoursePage.prefetch_upcoming_cohorts()
        )
        context["filter_form"] = form
        context["courses"] = courses
        context["is_filtered"] = form.is_bound and form.is_valid() and form.has_filters()
        return context


class CoursePage(SeoMixin, Page):
    summary = models.TextField(help_text="Two or three sentences shown in listings and search.")
    listing_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    audiences = ParentalManyToManyField(Audience, blank=True, related_name="courses")
    who_for = RichTextField("who it is for", blank=True, features=["bold", "italic", "ul", "link"])
    outcomes = RichTextField(
        blank=True, features=["bold", "italic", "ul", "ol"], help_text="What delegates leave with."
    )
    format = models.CharField(
        max_length=20, choices=CourseFormat.choices, default=CourseFormat.OPEN
    )
    length = models.CharField(
        max_length=20, choices=CourseLength.choices, default=CourseLength.ONE_DAY
    )
    length_detail = models.CharField(
        max_length=120,
        blank=True,
        help_text="Optional detail, e.g. 'Three training days, one each term'.",
    )
    programme = StreamField(ProgrammeBlock(), blank=True)
    included = StreamField(
        [("item", blocks.CharBlock(max_length=200, icon="tick"))],
        blank=True,
        verbose_name="what is included",
    )

    # The standard price. Bookings price from these fields, so they are data, not text.
    price_amount = models.DecimalField(
        "price excluding VAT (£)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    vat_rate = models.DecimalField(
        "VAT rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="20% unless this product is zero-rated or outside the scope of VAT.",
    )
    charging = models.CharField(
        "how it is charged",
        max_length=20,
        choices=Charging.CHOICES,
        default=Charging.PER_DELEGATE,
    )
    min_places = models.PositiveSmallIntegerField(
        "minimum places", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    max_places = models.PositiveSmallIntegerField(
        "maximum places", null=True, blank=True, validators=[MinValueValidator(1)]
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("listing_image"),
        MultiFieldPanel(
            [
                FieldPanel("audiences", widget=forms.CheckboxSelectMultiple),
                FieldRowPanel([FieldPanel("format"), FieldPanel("length")]),
                FieldPanel("length_detail"),
            ],
            heading="Audience, format and length",
        ),
        FieldPanel("who_for"),
        FieldPanel("outcomes"),
        FieldPanel("programme"),
        FieldPanel("included"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("price_amount"), FieldPanel("vat_rate")]),
                FieldPanel("charging"),
                FieldRowPanel([FieldPanel("min_places"), FieldPanel("max_places")]),
            ],
            heading="Standard price",
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("who_for"),
        index.SearchField("outcomes"),
        index.SearchField("programme"),
        index.FilterField("format"),
        index.FilterField("length"),
    ]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = []

    # Columns a listing card never shows; loading them costs more than the rest together.
    LISTING_DEFERRED = ("programme", "included", "who_for", "outcomes")

    @property
    def listing_summary(self):
        return self.summary

    @classmethod
    def for_listing(cls):
        return cls.objects.live().public().defer(*cls.LISTING_DEFERRED)

    # --- Dated runs (cohorts) --------------------------------------------------------
    # Cohorts belong to the bookings app, which builds on this one; they are reached
    # through the reverse relation (`cohorts`), so this module never imports bookings.

    @classmethod
    def listed_cohorts(cls):
        """Cohorts schools can book, soonest first, with places left and sessions, in a
        fixed number of queries."""
        cohort_model = cls._meta.get_field("cohorts").related_model
        return (
            cohort_model.objects.listed()
            .with_places()
            .select_related("course")
            .prefetch_related("sessions")
        )

    @classmethod
    def prefetch_upcoming_cohorts(cls):
        return Prefetch("cohorts", queryset=cls.listed_cohorts(), to_attr="upcoming_cohorts")

    @property
    def price(self):
        unpriced = self.charging in (Charging.ON_REQUEST, Charging.FREE_TO_PARTNERS)
        amount = Decimal("0.00") if unpriced or self.price_amount is None else self.price_amount
        return StandardPrice(
            amount=amount,
            vat_rate=self.vat_rate,
            charging=self.charging,
            min_places=self.min_places,
            max_places=self.max_places,
        )

    def clean(self):
        super().clean()
        errors = {}
        paid = self.charging in (Charging.PER_DELEGATE, Charging.PER_SCHOOL_TEAM)
        if paid and not self.price_amount:
            errors["price_amount"] = "Give the price excluding VAT for a paid course."
        if self.charging == Charging.FREE_TO_PARTNERS and self.price_amount:
            errors["price_amount"] = (
                "Partner places are free: no fee may be charged. Leave the price empty."
            )
        if self.min_places and self.max_places and self.min_places > self.max_places:
            errors["max_places"] = "The maximum cannot be lower than the minimum."
        if errors:
            raise ValidationError(errors)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["testimonials"] = self.testimonials.all()[:4]
        context["related_posts"] = with_listing_renditions(
            self.journal_posts.live().public().defer("body").order_by("-date", "-pk")
        )[:3]
        context["audience_list"] = list(self.audiences.all())
        context["upcoming_cohorts"] = list(CoursePage.listed_cohorts().filter(course=self))
        context["structured_data"] = self.structured_data(request, context["upcoming_cohorts"])
        return context

    def structured_data(self, request, cohorts=()):
        """schema.org Course, for search engines, with a CourseInstance per upcoming date."""
        site = Site.find_for_request(request)
        data = {
            "@context": "https://schema.org",
            "@type": "Course",
            "name": self.title,
            "description": self.summary,
            "url": self.get_full_url(request),
            "provider": {
                "@type": "Organization",
                "name": site.site_name if site and site.site_name else "Northlight Coaching",
            },
        }
        price = self.price
        if not price.is_quoted:
            data["offers"] = {
                "@type": "Offer",
                "category": "Free" if price.is_free else "Paid",
                "price": str(price.amount),
                "priceCurrency": "GBP",
                "priceSpecification": {
                    "@type": "UnitPriceSpecification",
                    "price": str(price.amount),
                    "priceCurrency": "GBP",
                    "valueAddedTaxIncluded": False,
                },
            }
        if cohorts:
            data["hasCourseInstance"] = [self._course_instance(c, request) for c in cohorts]
        return data

    def _course_instance(self, cohort, request):
        sessions = list(cohort.sessions.all())
        instance = {
            "@type": "CourseInstance",
            "name": str(cohort),
            "courseMode": "Online" if cohort.is_online else "Onsite",
            "startDate": cohort.starts_at.isoformat() if cohort.starts_at else None,
            "endDate": cohort.ends_at.isoformat() if cohort.ends_at else None,
            "courseSchedule": {
                "@type": "Schedule",
                "repeatCount": len(sessions),
                "startDate": cohort.starts_at.date().isoformat() if cohort.starts_at else None,
            },
        }
        if cohort.is_online:
            instance["location"] = {"@type": "VirtualLocation", "url": self.get_full_url(request)}
        else:
            venue = next(s.venue for s in sessions if not s.is_online)
            instance["location"] = {
                "@type": "Place",
                "name": cohort.place_label,
                "address": ", ".join(line.strip() for line in venue.splitlines() if line.strip()),
            }
        offer = cohort.offer()
        if offer.charging != Charging.ON_REQUEST:
            amount = offer.early_bird_amount if cohort.early_bird_applies() else offer.amount
            if offer.charging == Charging.FREE_TO_PARTNERS:
                amount = 0
            instance["offers"] = {
                "@type": "Offer",
                "price": str(amount),
                "priceCurrency": "GBP",
                "availability": "https://schema.org/"
                + ("InStock" if getattr(cohort, "places_left", 1) > 0 else "SoldOut"),
                "url": self.get_full_url(request),
            }
        return instance
