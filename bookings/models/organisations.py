"""Schools, colleges and trusts that book, and the people who book for them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel


class OrganisationKind(models.TextChoices):
    SCHOOL = "school", "School"
    COLLEGE = "college", "College"
    TRUST = "trust", "Multi-academy trust"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    OTHER = "other", "Other organisation"


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    trust = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="member_schools",
        limit_choices_to={"kind": OrganisationKind.TRUST},
        help_text="The multi-academy trust this school belongs to, if any.",
    )
    address = models.TextField(help_text="The postal address invoices are sent to.")
    postcode = models.CharField(max_length=10)
    identifier = models.CharField(
        "DfE URN or other identifier",
        max_length=40,
        blank=True,
        help_text="A school's unique reference number (URN), or a trust's company number.",
    )
    finance_contact_name = models.CharField(max_length=120, blank=True)
    finance_email = models.EmailField(
        blank=True, help_text="Where invoices and credit notes are sent."
    )
    vat_number = models.CharField("VAT number", max_length=20, blank=True)
    is_partner = models.BooleanField(
        "partner school",
        default=False,
        help_text="Partner schools take free places on partnership courses.",
    )
    requires_po_number = models.BooleanField(
        "requires a purchase-order number",
        default=False,
        help_text="Bookings cannot be invoiced without the school's PO number.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]),
        FieldPanel("trust"),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("postcode"), FieldPanel("identifier")]),
            ],
            heading="Address",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("finance_contact_name"), FieldPanel("finance_email")]),
                FieldRowPanel([FieldPanel("vat_number"), FieldPanel("requires_po_number")]),
            ],
            heading="Finance",
        ),
        FieldPanel("is_partner"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_trust(self):
        return self.kind == OrganisationKind.TRUST

    def clean(self):
        super().clean()
        if self.trust_id:
            if self.is_trust:
                raise ValidationError({"trust": "A trust cannot belong to another trust."})
            if self.trust_id == self.pk:
                raise ValidationError({"trust": "An organisation cannot belong to itself."})

    def bookable_for(self):
        """The organisations this one's bookers may book places for: itself and, for a
        trust, every member school."""
        ids = [self.pk]
        if self.is_trust:
            ids += list(self.member_schools.values_list("pk", flat=True))
        return Organisation.objects.filter(pk__in=ids).order_by("kind", "name")

    def full_address(self):
        return "\n".join(filter(None, [self.address.strip(), self.postcode]))


class Booker(models.Model):
    """A person who books for an organisation (a school business manager, a CPD lead)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="booker"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bookers")
    job_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email_confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="Bookings are confirmed once the email is."
    )

    panels = [
        FieldPanel("user"),
        FieldPanel("organisation"),
        FieldRowPanel([FieldPanel("job_title"), FieldPanel("phone")]),
        FieldPanel("email_confirmed_at", read_only=True),
    ]

    class Meta:
        ordering = ["organisation__name", "user__last_name"]

    def __str__(self):
        return f"{self.user} ({self.organisation})"

    @property
    def email_confirmed(self):
        return self.email_confirmed_at is not None
