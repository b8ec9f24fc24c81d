"""One school's certification world for the portfolio's view tests: every role the
confidentiality rules name, a participant's portfolio with something in every part, and
another participant's at another school."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import roles
from certification.models import (
    Award,
    AwardKind,
    CoachingSession,
    CoachingTeam,
    Enrolment,
    ReflectiveEntry,
    SubmissionOutcome,
    TaskKind,
    TaskResponse,
)
from certification.services import portfolio as work
from certification.services.requirements import revise_requirements
from certification.services.submission import review, submit
from certification.uploads import sniff
from tests.bookings import factories

PASSWORD = "a-long-test-password"
# Everyone the access tests try, each a person in build_world() but "signed out".
ROLES = [
    "participant",
    "other participant",
    "assessor",
    "other assessor",
    "coaching lead",
    "impact lead",
    "other school's impact lead",
    "booker",
    "editor",
    "admin",
    "senior assessor",
    "signed out",
]
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def person(email, role=None, first_name="", last_name=""):
    user = get_user_model().objects.create_user(
        email=email, password=PASSWORD, first_name=first_name, last_name=last_name
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def pdf_upload(name="evidence.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload_file(enrolment, name="evidence.pdf", **kwargs):
    upload = pdf_upload(name)
    return work.add_file(enrolment, upload, sniff(upload), **kwargs)


@dataclass
class World:
    people: dict
    enrolment: Enrolment
    other: Enrolment
    objects: dict = field(default_factory=dict)


def fill(enrolment, label):
    """Something in every part of a portfolio; returns the objects by name."""
    cycle = work.start_cycle(
        enrolment,
        coachee="ECT, year 4",
        goal=f"{label} goal",
        started_on=datetime.date(2026, 10, 1),
    )
    cycle.ended_on = datetime.date(2026, 10, 20)
    cycle.save()
    session = CoachingSession.objects.create(
        enrolment=enrolment,
        cycle=cycle,
        phase="identify",
        held_on=datetime.date(2026, 10, 6),
        minutes=45,
        coachee="ECT, year 4",
        focus=f"{label} focus: behaviour at the door",
        what_happened=f"{label} happened",
        reflection=f"{label} reflection: I talked too much",
    )
    entry = ReflectiveEntry.objects.create(
        enrolment=enrolment, title=f"{label} entry", body=f"{label} log body, private"
    )
    task = enrolment.requirement_set.tasks.first()
    answer = TaskResponse.objects.create(
        enrolment=enrolment, task=task, answer=f"{label} answer", completed_at=timezone.now()
    )
    evidence = upload_file(enrolment, f"{label}.pdf")
    link = work.make_coachee_link(session, enrolment.participant)
    return {
        "cycle": cycle,
        "session": session,
        "entry": entry,
        "task": task,
        "answer": answer,
        "file": evidence,
        "link": link,
    }


def build_world():
    award = Award.objects.create(
        name="Coaching certificate (view tests)", slug="ccc-views", kind=AwardKind.CERTIFICATE
    )
    requirements = revise_requirements(
        award,
        coaching_sessions_total=2,
        reflective_entries=1,
        tasks=[("Starting points", TaskKind.PRE_COURSE, "Where are you now?")],
    )
    school, other_school = factories.organisation(), factories.organisation()
    people = {
        "participant": person("pat@school.example", roles.PARTICIPANTS, "Pat", "Lee"),
        "other participant": person("olly@other.example", roles.PARTICIPANTS, "Olly", "Ray"),
        "assessor": person("asha@provider.example", roles.ASSESSORS, "Asha", "Khan"),
        "other assessor": person("otto@provider.example", roles.ASSESSORS, "Otto", "Berg"),
        "coaching lead": person("cora@school.example", None, "Cora", "Lead"),
        "impact lead": person("ivan@school.example", None, "Ivan", "Impact"),
        "other school's impact lead": person("ines@other.example", None, "Ines", "Other"),
        "booker": factories.booker(school, password=PASSWORD),
        "editor": person("eddie@provider.example", roles.EDITORS),
        "admin": person("office@provider.example", roles.PROVIDER_ADMINS, "Olu", "Office"),
        "senior assessor": person("sena@provider.example", roles.ASSESSORS, "Sena", "Senior"),
    }
    people["senior assessor"].user_permissions.add(
        Permission.objects.get(codename="moderate_submission")
    )
    team = CoachingTeam.objects.create(organisation=school, impact_lead=people["impact lead"])
    team.coaching_leads.add(people["coaching lead"])
    CoachingTeam.objects.create(
        organisation=other_school, impact_lead=people["other school's impact lead"]
    )
    enrolment = Enrolment.objects.create(
        participant=people["participant"],
        requirement_set=requirements,
        organisation=school,
        assessor=people["assessor"],
        academic_year=2026,
    )
    other = Enrolment.objects.create(
        participant=people["other participant"],
        requirement_set=requirements,
        organisation=other_school,
        assessor=people["other assessor"],
        academic_year=2026,
    )
    world = World(people, enrolment, other)
    world.objects = fill(enrolment, "Mine")
    world.objects["other"] = fill(other, "Theirs")
    # The participant's portfolio was submitted, referred back, and submitted again:
    # submission 2 waits for the assessor.
    first = submit(enrolment, people["participant"])
    review(
        first,
        people["assessor"],
        marks={i["key"]: (True, "") for i in first.snapshot["items"]},
        feedback="Say more about your second session.",
        outcome=SubmissionOutcome.REFERRED,
    )
    world.objects["referred"] = first
    world.objects["pending"] = submit(enrolment, people["participant"])
    # Last year's portfolio of the same participant, recommended and waiting for a
    # moderator.
    earlier = Enrolment.objects.create(
        participant=people["participant"],
        requirement_set=requirements,
        organisation=school,
        assessor=people["assessor"],
        academic_year=2025,
    )
    upload_file(earlier, "Earlier.pdf")
    recommended = submit(earlier, people["participant"])
    review(
        recommended,
        people["assessor"],
        marks={i["key"]: (True, "") for i in recommended.snapshot["items"]},
        feedback="All there.",
        outcome=SubmissionOutcome.RECOMMENDED,
    )
    world.objects["earlier"] = earlier
    world.objects["recommended"] = recommended
    world.objects["other submission"] = submit(other, people["other participant"])
    return world
