"""What a participant does in their portfolio beyond plain form saves: coaching cycles,
the coachee's private link, uploads; and the impact lead's statement at a cycle's end.
Each step that matters later goes into the enrolment's audit trail."""

import datetime
import secrets

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ..models import (
    AuditAction,
    AuditEvent,
    CoacheeLink,
    CoacheeNote,
    CoachingCycle,
    Enrolment,
    EvidenceFile,
    ImpactStatement,
    hash_link_token,
)
from ..policy import coaching_team


class LinkNotLive(Exception):
    """The coachee's link has expired or been withdrawn."""


class TooManyLinks(Exception):
    """More links for one session in a day than a coachee could need."""


# Links a participant may make for one session in 24 hours (each may send an email).
LINKS_PER_DAY = 5


def audit(enrolment, action, actor=None, *, submission=None, note=""):
    return AuditEvent.objects.create(
        enrolment=enrolment, submission=submission, actor=actor, action=action, note=note
    )


def start_cycle(enrolment, *, coachee, goal, started_on=None):
    """The next numbered coaching cycle."""
    with transaction.atomic():
        Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
        last = enrolment.cycles.aggregate(n=Max("number"))["n"] or 0
        return CoachingCycle.objects.create(
            enrolment=enrolment,
            number=last + 1,
            coachee=coachee,
            goal=goal,
            started_on=started_on or timezone.localdate(),
        )


def make_coachee_link(session, actor, *, now=None):
    """A new link for the session's coachee. The returned link carries its `token` for
    this once; only its hash is stored."""
    now = now or timezone.now()
    recent = session.coachee_links.filter(created_at__gt=now - datetime.timedelta(days=1))
    if recent.count() >= LINKS_PER_DAY:
        raise TooManyLinks(
            f"You have made {LINKS_PER_DAY} links for this session today: use one of "
            "those, or try again tomorrow."
        )
    token = secrets.token_urlsafe(32)
    link = CoacheeLink.objects.create(
        session=session,
        token_hash=hash_link_token(token),
        created_at=now,
        expires_at=now + datetime.timedelta(days=CoacheeLink.LIFETIME_DAYS),
    )
    link.token = token
    audit(
        session.enrolment,
        AuditAction.LINK_SENT,
        actor,
        note=f"For the session on {session.held_on:%d/%m/%Y}; lasts until "
        f"{timezone.localtime(link.expires_at):%d/%m/%Y %H:%M}.",
    )
    return link


def withdraw_coachee_link(link, actor):
    if link.withdrawn_at is None:
        link.withdrawn_at = timezone.now()
        link.save(update_fields=["withdrawn_at"])
        audit(
            link.session.enrolment,
            AuditAction.LINK_WITHDRAWN,
            actor,
            note=f"For the session on {link.session.held_on:%d/%m/%Y}.",
        )


def live_link(token):
    """The live link with this token, or None (unknown, expired or withdrawn alike)."""
    link = (
        CoacheeLink.objects.select_related("session__enrolment__participant")
        .filter(token_hash=hash_link_token(token))
        .first()
    )
    if link is None or not link.is_live() or not link.session.enrolment.is_open:
        return None
    return link


def impact_lead_of(enrolment):
    """The school's named impact lead, who reads the coaching diary, or None."""
    team = coaching_team(enrolment)
    return team.impact_lead if team else None


def add_coachee_note(link, text):
    with transaction.atomic():
        link = CoacheeLink.objects.select_for_update().get(pk=link.pk)
        if not link.is_live():
            raise LinkNotLive
        return CoacheeNote.objects.create(session_id=link.session_id, link=link, text=text)


def add_file(enrolment, upload, sniffed, *, description="", criteria=(), entry=None, answer=None):
    """Store an upload that `uploads.sniff` accepted."""
    evidence = EvidenceFile(
        enrolment=enrolment,
        name=(upload.name or "file")[-200:],
        kind=sniffed.kind,
        content_type=sniffed.content_type,
        size=sniffed.size,
        sha256=sniffed.sha256,
        description=description,
        reflective_entry=entry,
        task_response=answer,
    )
    evidence.file.save("upload", upload, save=False)
    evidence.save()
    if criteria:
        evidence.criteria.set(criteria)
    return evidence


def remove_file(evidence):
    """Out of the live portfolio; the stored file stays for submissions that list it."""
    if evidence.removed_at is None:
        evidence.removed_at = timezone.now()
        evidence.save(update_fields=["removed_at"])


def write_impact_statement(cycle, author, text):
    statement, created = ImpactStatement.objects.update_or_create(
        cycle=cycle, defaults={"author": author, "text": text}
    )
    audit(
        cycle.enrolment,
        AuditAction.IMPACT_STATEMENT,
        author,
        note=f"Cycle {cycle.number}" + ("" if created else " (revised)"),
    )
    return statement
