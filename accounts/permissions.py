"""Model permissions for the project's role groups, kept in step after every migrate.

They are granted here rather than in a migration because Django creates permission rows
only once all migrations have run.
"""

from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission, Page

from . import roles

# (app_label, codename) pairs per role; page permissions are separate, below.
MODEL_PERMISSIONS = {
    roles.PROVIDER_ADMINS: [
        ("wagtailimages", "add_image"),
        ("wagtailimages", "change_image"),
        ("wagtailimages", "choose_image"),
        ("wagtaildocs", "add_document"),
        ("wagtaildocs", "change_document"),
        ("wagtaildocs", "choose_document"),
        ("website", "add_testimonial"),
        ("website", "change_testimonial"),
        ("website", "delete_testimonial"),
        ("website", "change_navigationsettings"),
        ("website", "change_footersettings"),
        ("courses", "add_audience"),
        ("courses", "change_audience"),
        ("wagtailforms", "view_formsubmission"),
        # Bookings admin (bookings/wagtail_hooks.py). No delete anywhere: bookings and
        # invoices refer to all of these. Changing a booking means cancelling it; issued
        # invoices are only ever viewed; payments are only ever recorded.
        ("bookings", "change_invoicingsettings"),
        ("bookings", "add_organisation"),
        ("bookings", "change_organisation"),
        ("bookings", "view_organisation"),
        ("bookings", "add_booker"),
        ("bookings", "change_booker"),
        ("bookings", "view_booker"),
        ("bookings", "add_cohort"),
        ("bookings", "change_cohort"),
        ("bookings", "view_cohort"),
        ("bookings", "view_booking"),
        ("bookings", "change_booking"),
        ("bookings", "view_invoice"),
        ("bookings", "add_payment"),
        ("bookings", "view_payment"),
        ("bookings", "add_refund"),
        # Certification admin (certification/wagtail_hooks.py).
        ("certification", "add_award"),
        ("certification", "change_award"),
        ("certification", "view_award"),
        ("certification", "add_requirementset"),
        ("certification", "change_requirementset"),
        ("certification", "view_requirementset"),
        ("certification", "view_enrolment"),
        ("certification", "add_enrolment"),
        ("certification", "moderate_submission"),
        ("certification", "view_portfolio"),
        ("certification", "add_qavisit"),
        ("certification", "change_qavisit"),
        ("certification", "view_qavisit"),
        ("certification", "add_certificate"),
        ("certification", "change_certificate"),
        ("certification", "view_certificate"),
        ("certification", "add_coachingtrio"),
        ("certification", "change_coachingtrio"),
        ("certification", "view_coachingtrio"),
        ("certification", "change_enrolment"),
        ("certification", "add_coachingteam"),
        ("certification", "change_coachingteam"),
        ("certification", "view_coachingteam"),
        ("bookings", "add_voucher"),
        ("bookings", "change_voucher"),
        ("bookings", "view_voucher"),
    ],
    roles.EDITORS: [
        ("website", "add_testimonial"),
        ("website", "change_testimonial"),
    ],
    roles.MODERATORS: [
        ("website", "add_testimonial"),
        ("website", "change_testimonial"),
        ("website", "delete_testimonial"),
    ],
}
PAGE_PERMISSIONS = {
    roles.PROVIDER_ADMINS: ["add_page", "change_page", "publish_page", "lock_page"],
}


def sync_role_permissions(**kwargs):
    """Idempotent: adds what is missing, removes nothing an administrator granted."""
    for role, pairs in MODEL_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for app_label, codename in pairs:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                group.permissions.add(permission)
    root = Page.get_first_root_node()
    if root is None:
        return
    for role, codenames in PAGE_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for codename in codenames:
            permission = Permission.objects.filter(
                content_type__app_label="wagtailcore", codename=codename
            ).first()
            if permission is not None:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=root, permission=permission
                )
