"""Awards and requirement versions in the Wagtail admin. A version in use by an
enrolment is shown, never edited: "Make a new version" copies the current one, and the
copy is edited until someone enrols on it."""

from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from wagtail.admin import messages
from wagtail.admin.views.generic import CreateView, EditView, IndexView
from wagtail.admin.widgets.button import Button

from .models import Award, RequirementSet
from .services.requirements import revise_requirements

REQUIREMENTS = "certification_requirements"


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
        top = RequirementSet.objects.filter(award=instance.award).aggregate(Max("version"))
        instance.version = (top["version__max"] or 0) + 1
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
