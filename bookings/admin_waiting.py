"""The office's view of a date's waiting list in the Wagtail admin: who is in line and in
what order, moving a school up or down, offering places by hand, and taking a school off.
Wired up by CohortViewSet (wagtail_hooks.py)."""

from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from .admin_views import COHORTS
from .models import Cohort, WaitingListEntry, WaitingStatus
from .services import capacity
from .services.waiting import WaitingListError, move, offer_by_hand, withdraw

ACTIONS = ("up", "down", "front", "offer", "remove")


class WaitingListView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Viewing the list needs permission to see cohorts; changing it, to change them."""

    model = Cohort
    any_permission_required = ["view", "change"]
    template_name = "bookings/admin/waiting_list.html"
    header_icon = "list-ol"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.cohort = get_object_or_404(Cohort.objects.select_related("course"), pk=kwargs["pk"])

    @property
    def page_title(self):
        return "Waiting list"

    def get_page_subtitle(self):
        return str(self.cohort)

    @property
    def url(self):
        return reverse(f"{COHORTS}:waiting", args=[quote(self.cohort.pk)])

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{COHORTS}:index"), "label": "Cohorts"},
            {"url": "", "label": f"Waiting list: {self.cohort}"},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = list(
            WaitingListEntry.objects.filter(cohort=self.cohort)
            .select_related("organisation", "booker", "offer_hold", "booking")
            .order_by("position", "pk")
        )
        active = [e for e in entries if e.status in (WaitingStatus.WAITING, WaitingStatus.OFFERED)]
        context.update(
            cohort=self.cohort,
            active=active,
            closed=[e for e in entries if e not in active],
            places_left=capacity.places_left(self.cohort),
            may_change=self.permission_policy.user_has_permission(self.request.user, "change"),
            now=timezone.now(),
            statuses=WaitingStatus,
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        action = request.POST.get("action")
        entry = get_object_or_404(
            WaitingListEntry.objects.select_related("organisation"),
            pk=request.POST.get("entry") or 0,
            cohort=self.cohort,
        )
        if action not in ACTIONS:
            messages.error(request, "Choose what to do with this school's entry.")
            return redirect(self.url)
        try:
            message = self.act(action, entry)
        except WaitingListError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, message)
        return redirect(self.url)

    def act(self, action, entry):
        name = entry.organisation.name
        if action == "offer":
            offer_by_hand(entry)
            return f"{entry.places} place{'s' if entry.places != 1 else ''} offered to {name}."
        if action == "remove":
            withdraw(entry)
            return f"{name} is off the waiting list."
        order = [
            e.pk
            for e in WaitingListEntry.objects.filter(cohort=self.cohort)
            .active()
            .order_by("position", "pk")
        ]
        here = order.index(entry.pk) if entry.pk in order else 0
        target = {"up": here - 1, "down": here + 1, "front": 0}[action]
        move(entry, target)
        return f"{name} moved to number {max(0, min(target, len(order) - 1)) + 1} in line."
