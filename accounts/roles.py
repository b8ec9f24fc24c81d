"""The people who use the portal, as Django groups.

Editors and Moderators are Wagtail's own groups (created by Wagtail's migrations); the
others are created by `accounts/migrations/0002_role_groups.py`.
"""

EDITORS = "Editors"
MODERATORS = "Moderators"
ASSESSORS = "Assessors"
SCHOOL_BOOKERS = "School bookers"
PARTICIPANTS = "Participants"
PROVIDER_ADMINS = "Provider admins"

ALL_ROLES = (EDITORS, MODERATORS, ASSESSORS, SCHOOL_BOOKERS, PARTICIPANTS, PROVIDER_ADMINS)
# Roles that work in the Wagtail admin rather than only on the front end.
ADMIN_ROLES = (EDITORS, MODERATORS, ASSESSORS, PROVIDER_ADMINS)
