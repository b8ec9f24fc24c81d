"""Awards and requirement versions in the Wagtail admin. A version in use by an
enrolment is shown, never edited: "Make a new version" copies the current one, and the
copy is edited until someone enrols on it."""

from django import forms
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from wagtail.admin import messages
from wagtail.admin.views.generic import CreateView, EditView, IndexView
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.admin.widgets.button import Button

from accounts import roles
from bookings.admin_views import OfficeActionView
from bookings.models import Cohort

from .models import Award, Enrolment, QAVisit, RequirementSet, VisitStatus
from .services.enrolment import enrol_cohort, expected_participants
from .services.qa import announce_on_commit
from .services.requirements import next_version, revise_requirements

REQUIREMENTS = "certification_requirements"


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


class NewVersionView(View):
    """Copy the award's current requirements as the next version (or, if the current
    one is not yet in use, go straight to editing it)."""

    def post(self, request, award_pk):
        if not request.user.has_perm("certification.add_requirementset"):
            raise PermissionDenied
        award = get_object_or_404(Award, pk=award_pk)
        requirement_set = revise_requirements(award)
        messages.success(request, f"Editing {requirement_set}.")
        return redirect(f"{REQUIREMENTS}:edit", quote(requirement_set.pk))

    get = post


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
            form.initial.setdefault(
                "academic_year", start.year if start.month >= 9 else start.year - 1
            )
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
