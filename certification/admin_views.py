"""Awards and requirement versions in the Wagtail admin. A version in use by an
enrolment is shown, never edited: "Make a new version" copies the current one, and the
copy is edited until someone enrols on it."""

from django import forms
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic import CreateView, EditView, IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.admin.widgets.button import Button

from accounts import roles
from bookings.admin_views import OfficeActionView
from bookings.models import Cohort, academic_year_of

from .models import (
    Award,
    Certificate,
    CertificateBatch,
    Enrolment,
    QAVisit,
    RequirementSet,
    VisitStatus,
)
from .services.batches import start_batch
from .services.certificates import CertificateError, reissue, revoke
from .services.enrolment import enrol_cohort, expected_participants
from .services.qa import announce_on_commit
from .services.requirements import next_version, revise_requirements

REQUIREMENTS = "certification_requirements"
CERTIFICATES = "certification_certificates"


def _assessors():
    return (
        get_user_model()
        .objects.filter(groups__name=roles.ASSESSORS, is_active=True)
        .order_by("last_name", "first_name")
    )


class EnrolmentForm(forms.ModelForm):
    class Meta:
        model = Enrolment
        fields = ["assessor", "organisation"]

    def __init__(self, *args, **kwargs):
        kwargs.pop("for_user", None)
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = _assessors()
        self.fields["assessor"].help_text = "Sees and marks this portfolio."
        self.fields["organisation"].help_text = (
            "The school the participant coaches in: its coaching team sees this portfolio "
            "as the confidentiality rules allow."
        )


class RequirementSetIndexView(IndexView):
    def get_base_queryset(self):
        return (
            RequirementSet.objects.select_related("award")
            .annotate(enrolled=Count("enrolments"))
            .order_by("award__name", "-version")
        )

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.permission_policy.user_has_permission(self.request.user, "add"):
            buttons.append(
                Button(
                    "Make a new version",
                    url=reverse(f"{REQUIREMENTS}:new_version", args=[quote(instance.award_id)]),
                    icon_name="copy",
                    priority=30,
                )
            )
        return buttons


class RequirementSetCreateView(CreateView):
    """A first set for an award; later ones are made with "Make a new version"."""

    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.version = next_version(instance.award)
        instance.save()
        self.form.save_m2m()
        for formset in getattr(self.form, "formsets", {}).values():
            formset.instance = instance
            formset.save()
        return instance


class RequirementSetEditView(EditView):
    def dispatch(self, request, *args, **kwargs):
        requirement_set = get_object_or_404(RequirementSet, pk=kwargs["pk"])
        if requirement_set.in_use:
            messages.warning(
                request,
                f"{requirement_set} is in use by enrolments, so it stays as it is. Make a new "
                "version to change the requirements for new enrolments.",
            )
            return redirect(f"{REQUIREMENTS}:index")
        return super().dispatch(request, *args, **kwargs)


class NewVersionView(OfficeActionView):
    """Copy the award's current requirements as the next version (or, if the current
    one is not yet in use, go straight to editing it). Asked, then done on POST only:
    a link followed by accident changes nothing."""

    model = RequirementSet
    permission_required = "add"
    form_class = forms.Form
    page_title = "Make a new version"
    header_icon = "copy"
    submit_label = "Make the new version"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(Award, pk=kwargs["award_pk"])
        self.back_url = reverse(f"{REQUIREMENTS}:index")

    def get_explanation(self):
        return (
            f"The current requirements for the {self.object} are copied as the next "
            "version, for you to edit. New enrolments are held to it; enrolments already "
            "made keep the version they started on."
        )

    def form_valid(self, form):
        requirement_set = revise_requirements(self.object)
        messages.success(self.request, f"Editing {requirement_set}.")
        return redirect(f"{REQUIREMENTS}:edit", quote(requirement_set.pk))


class EnrolCohortForm(forms.Form):
    award = forms.ModelChoiceField(
        queryset=Award.objects.filter(requirement_sets__isnull=False).distinct(),
        help_text="Each participant is held to the award's current requirements.",
    )
    assessor = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        help_text="Assigned to every enrolment made now; it can be changed per enrolment.",
    )
    academic_year = forms.IntegerField(
        label="Academic year starting in",
        min_value=2000,
        max_value=2100,
        help_text="2026 means autumn 2026, spring 2027 and summer 2027.",
    )


class EnrolCohortView(OfficeActionView):
    """Enrol a cohort's named delegates on an award in one action."""

    model = Enrolment
    permission_required = "add"
    form_class = EnrolCohortForm
    page_title = "Enrol on an award"
    header_icon = "pick"
    submit_label = "Enrol and send the invitations"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(
            Cohort.objects.select_related("course"), pk=kwargs["cohort_pk"]
        )
        self.back_url = reverse("bookings_cohorts:index")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["assessor"].queryset = get_user_model().objects.filter(
            groups__name=roles.ASSESSORS
        )
        assessors = [t for t in self.object.trainers.all() if t.groups.filter(name=roles.ASSESSORS)]
        start = self.object.first_day()
        form.initial.setdefault("assessor", assessors[0].pk if assessors else None)
        if start:
            form.initial.setdefault("academic_year", academic_year_of(start))
        return form

    def get_explanation(self):
        people = expected_participants(self.object)
        return (
            f"{len(people)} named delegate{'s' if len(people) != 1 else ''} on confirmed "
            "bookings will be enrolled (anyone already enrolled on the award for this date "
            "is left as they are), and each is emailed an invitation to their portfolio."
        )

    def act(self, data):
        made = enrol_cohort(
            self.object,
            data["award"].current_requirements(),
            assessor=data["assessor"],
            academic_year=data["academic_year"],
            actor=self.request.user,
        )
        return (
            f"{len(made)} participant{'s' if len(made) != 1 else ''} enrolled on {data['award']}."
        )


class QAVisitForm(forms.ModelForm):
    """Scheduling a QA visit: the school, the award, when, who assesses and whom they see.
    A scheduled visit may be cancelled here; a recorded one is only corrected."""

    class Meta:
        model = QAVisit
        fields = [
            "organisation",
            "award",
            "starts_at",
            "ends_at",
            "location",
            "assessor",
            "to_see",
            "status",
        ]
        widgets = {
            "starts_at": AdminDateTimeInput,
            "ends_at": AdminDateTimeInput,
            "to_see": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        kwargs.pop("for_user", None)
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = _assessors()
        self.fields["to_see"].queryset = Enrolment.objects.select_related(
            "participant", "organisation", "requirement_set__award"
        ).exclude(status__in=["awarded", "withdrawn"])
        self.fields["to_see"].label_from_instance = lambda e: (
            f"{e.participant.get_full_name() or e.participant.email}, "
            f"{e.organisation or 'no school'}, {e.requirement_set.award}"
        )
        self.fields["to_see"].help_text = "Participants of this school on this award."
        recorded = self.instance.pk and self.instance.status == VisitStatus.RECORDED
        if recorded:
            self.fields["status"].disabled = True
        else:
            self.fields["status"].choices = [
                (VisitStatus.SCHEDULED, "Scheduled"),
                (VisitStatus.CANCELLED, "Cancelled (the assessor and coaching leads are told)"),
            ]

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The visit must end after it starts.")
        organisation, award = data.get("organisation"), data.get("award")
        if organisation and award:
            wrong = [
                e
                for e in data.get("to_see") or []
                if e.organisation_id != organisation.pk or e.requirement_set.award_id != award.pk
            ]
            if wrong:
                self.add_error(
                    "to_see",
                    "Choose only participants of this school on this award: "
                    + ", ".join(str(e.participant) for e in wrong)
                    + " are not.",
                )
        return data


# A change to any of these is sent again to the assessor and coaching leads.
ANNOUNCED = {"starts_at", "ends_at", "location", "assessor", "status"}


class QAVisitIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("organisation", "award", "assessor")


class QAVisitCreateView(CreateView):
    def save_instance(self):
        visit = super().save_instance()
        announce_on_commit(visit)
        return visit


class QAVisitEditView(EditView):
    def save_instance(self):
        changed = ANNOUNCED & set(self.form.changed_data)
        scheduled = self.form.instance.status != VisitStatus.RECORDED
        if changed and scheduled:
            self.form.instance.sequence += 1
        visit = super().save_instance()
        if changed and scheduled:
            announce_on_commit(
                visit, "cancelled" if visit.status == VisitStatus.CANCELLED else "moved"
            )
        return visit


class IssueCohortForm(forms.Form):
    award = forms.ModelChoiceField(queryset=Award.objects.all(), label="Award")


class IssueCohortView(OfficeActionView):
    """Approve and issue the certificates of everyone on a cohort enrolled on an award.
    Each is checked against the rules as it is issued; the work runs in the background."""

    model = Certificate
    permission_required = "add"
    form_class = IssueCohortForm
    page_title = "Issue certificates"
    header_icon = "doc-full"
    submit_label = "Approve and issue"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(
            Cohort.objects.select_related("course"), pk=kwargs["cohort_pk"]
        )
        self.back_url = reverse("bookings_cohorts:index")

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        awards = Award.objects.filter(requirement_sets__enrolments__cohort=self.object).distinct()
        form.fields["award"].queryset = awards
        if awards.count() == 1:
            form.initial.setdefault("award", awards.first().pk)
        return form

    def get_explanation(self):
        return (
            "Everyone on this date enrolled on the award who has no certificate yet is "
            "checked: every requirement met, the award recommended (and moderated where "
            "required), a confirmed QA visit where required. Those who pass get their "
            "certificate and an email; the others are listed with the reason. You can "
            "leave the page while it runs."
        )

    def form_valid(self, form):
        batch = start_batch(self.object, form.cleaned_data["award"], self.request.user)
        return redirect(f"{CERTIFICATES}:batch", batch.pk)


class BatchView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    model = Certificate
    permission_required = "add"
    template_name = "certification/admin/batch.html"
    page_title = "Issuing certificates"
    header_icon = "doc-full"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = get_object_or_404(
            CertificateBatch.objects.select_related("cohort__course", "award"), pk=kwargs["pk"]
        )
        context.update(
            batch=batch,
            certificates=list(
                Certificate.objects.filter(
                    enrolment__cohort=batch.cohort, award=batch.award
                ).order_by("number")
            ),
            back_url=reverse("bookings_cohorts:index"),
        )
        return context


class RevokeForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown on the public verification page.",
        max_length=1000,
    )


class RevokeView(OfficeActionView):
    model = Certificate
    permission_required = "change"
    form_class = RevokeForm
    page_title = "Revoke certificate"
    header_icon = "cross"
    submit_label = "Revoke the certificate"
    explanation = (
        "The certificate stays on record and its verification page says it is revoked, "
        "with today's date and your reason. This cannot be undone."
    )

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(Certificate, pk=kwargs["pk"])
        self.back_url = reverse(f"{CERTIFICATES}:index")

    def form_valid(self, form):
        try:
            revoke(self.object, self.request.user, reason=form.cleaned_data["reason"])
        except CertificateError as error:
            form.add_error("reason", str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"Certificate {self.object.number} is revoked.")
        return redirect(self.back_url)


class ReissueForm(forms.Form):
    holder_name = forms.CharField(max_length=200, label="Holder's name")
    level = forms.CharField(max_length=200, required=False, label="Level or phase")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, label="Why it is reissued"
    )


class ReissueView(OfficeActionView):
    model = Certificate
    permission_required = "change"
    form_class = ReissueForm
    page_title = "Reissue certificate"
    header_icon = "edit"
    submit_label = "Reissue"
    explanation = (
        "The certificate keeps its number and verification code; what you change and why "
        "is recorded. The holder downloads the corrected PDF from their portfolio."
    )

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(Certificate, pk=kwargs["pk"])
        self.back_url = reverse(f"{CERTIFICATES}:index")

    def get_initial(self):
        return {"holder_name": self.object.holder_name, "level": self.object.level}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            reissue(
                self.object,
                self.request.user,
                reason=data["reason"],
                holder_name=data["holder_name"],
                level=data["level"],
            )
        except CertificateError as error:
            form.add_error("reason" if "why" in str(error) else None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"Certificate {self.object.number} is reissued.")
        return redirect(self.back_url)


class CertificateIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if not instance.is_revoked and self.permission_policy.user_has_permission(
            self.request.user, "change"
        ):
            for label, name, icon in (
                ("Reissue", "reissue", "edit"),
                ("Revoke", "revoke", "cross"),
            ):
                buttons.append(
                    Button(
                        label,
                        url=reverse(f"{CERTIFICATES}:{name}", args=[quote(instance.pk)]),
                        icon_name=icon,
                    )
                )
        buttons.append(
            Button(
                "Verification page",
                url=instance.verification_path(),
                icon_name="link-external",
            )
        )
        return buttons
