"""Submitting freezes the portfolio; the assessor marks that copy, refers it back or
recommends; a moderator agrees or returns the recommendation. Each step is audited and
emailed to the participant and the assessor."""

import pytest
from django.core import mail
from django.urls import reverse

from certification.models import (
    AuditAction,
    EnrolmentStatus,
    ImmutableSubmissionError,
    ModerationOutcome,
    Submission,
    SubmissionOutcome,
)
from certification.services import portfolio as work
from certification.services.submission import ReviewError, moderate, review, submit

from .portfolio_world import build_world, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def all_met(submission):
    return {item["key"]: (True, "") for item in submission.snapshot["items"]}


def test_editing_the_live_portfolio_leaves_the_submission_as_submitted(client, world):
    e, o = world.enrolment, world.objects
    pending = o["pending"]
    url = reverse("certification:submission", args=[e.pk, pending.number])
    client.force_login(world.people["assessor"])
    before = client.get(url).content.decode()
    assert "Mine reflection" in before and "Mine.pdf" in before and "Mine answer" in before

    # The participant keeps working: edits a session, the log, the answer; removes the
    # file and uploads another; logs a new session.
    o["session"].reflection = "Rewritten afterwards"
    o["session"].save()
    o["entry"].body = "Changed log"
    o["entry"].save()
    o["answer"].answer = "Changed answer"
    o["answer"].save()
    work.remove_file(o["file"])
    upload_file(e, "later.pdf")
    o["session"].__class__.objects.create(
        enrolment=e, held_on=o["session"].held_on, minutes=50, coachee="TA", focus="Later one"
    )

    after = client.get(url).content.decode()
    for text in ("Mine reflection", "Mine log body", "Mine answer", "Mine.pdf"):
        assert text in after
    for text in ("Rewritten afterwards", "Changed log", "Changed answer", "later.pdf", "Later"):
        assert text not in after
    stored = Submission.objects.get(pk=pending.pk)
    assert stored.snapshot == pending.snapshot
    # The removed file is still there for the assessor, through the submission.
    file_url = reverse("certification:submission-file", args=[e.pk, pending.number, o["file"].pk])
    assert client.get(file_url).status_code == 200
    # ... but no longer in the live portfolio.
    live_url = reverse("certification:file", args=[e.pk, o["file"].pk])
    assert client.get(live_url).status_code == 404


def test_a_snapshot_cannot_be_changed_once_saved(world):
    submission = world.objects["pending"]
    submission.snapshot = {**submission.snapshot, "log": []}
    with pytest.raises(ImmutableSubmissionError):
        submission.save()
    # Other fields (the decision) may change.
    fresh = Submission.objects.get(pk=submission.pk)
    fresh.feedback = "Looking at it now"
    fresh.save()


def test_the_whole_round_refer_resubmit_recommend_agree(world):
    people = world.people
    e = world.other  # one submission, pending, nothing decided yet
    first = world.objects["other submission"]
    mail.outbox.clear()
    marks = all_met(first)
    marks["coaching"] = (False, "Two more sessions, please.")
    with pytest.raises(ReviewError, match="every requirement is met"):
        review(
            first,
            people["other assessor"],
            marks=marks,
            feedback="",
            outcome=SubmissionOutcome.RECOMMENDED,
        )
    with pytest.raises(ReviewError) as no_feedback:
        review(first, people["other assessor"], marks=marks, feedback=" ", outcome="referred")
    assert no_feedback.value.field == "feedback"
    review(
        first,
        people["other assessor"],
        marks=marks,
        feedback="Nearly: see coaching.",
        outcome=SubmissionOutcome.REFERRED,
    )
    e.refresh_from_db()
    assert e.status == EnrolmentStatus.REFERRED
    assert first.marks.get(key="coaching").feedback == "Two more sessions, please."
    with pytest.raises(ReviewError, match="already been decided"):
        review(first, people["other assessor"], marks=marks, feedback="x", outcome="referred")

    second = submit(e, people["other participant"])
    assert second.number == 2
    with pytest.raises(ReviewError, match="can't be submitted now"):
        submit(e, people["other participant"])
    review(
        second,
        people["other assessor"],
        marks=all_met(second),
        feedback="",
        outcome=SubmissionOutcome.RECOMMENDED,
    )
    e.refresh_from_db()
    assert e.status == EnrolmentStatus.RECOMMENDED
    with pytest.raises(ReviewError, match="can't moderate"):
        moderate(second, people["other assessor"], outcome="agreed", note="")
    with pytest.raises(ReviewError) as no_reason:
        moderate(second, people["admin"], outcome=ModerationOutcome.RETURNED, note="")
    assert no_reason.value.field == "note"
    moderate(second, people["admin"], outcome=ModerationOutcome.RETURNED, note="Check C2")
    e.refresh_from_db()
    second.refresh_from_db()
    assert e.status == EnrolmentStatus.SUBMITTED
    assert second.outcome == SubmissionOutcome.PENDING
    review(
        second,
        people["other assessor"],
        marks=all_met(second),
        feedback="Checked again.",
        outcome=SubmissionOutcome.RECOMMENDED,
    )
    moderate(second, people["admin"], outcome=ModerationOutcome.AGREED, note="")
    second.refresh_from_db()
    assert second.moderation == ModerationOutcome.AGREED
    with pytest.raises(ReviewError, match="not yet moderated"):
        moderate(second, people["admin"], outcome="agreed", note="")

    trail = [(ev.action, ev.actor.email) for ev in e.audit.exclude(action="link_sent")]
    assert trail == [
        (AuditAction.SUBMITTED, "olly@other.example"),
        (AuditAction.REFERRED, "otto@provider.example"),
        (AuditAction.SUBMITTED, "olly@other.example"),
        (AuditAction.RECOMMENDED, "otto@provider.example"),
        (AuditAction.MODERATION_RETURNED, "office@provider.example"),
        (AuditAction.RECOMMENDED, "otto@provider.example"),
        (AuditAction.MODERATION_AGREED, "office@provider.example"),
    ]


def test_each_step_emails_the_participant_and_the_assessor(
    world, django_capture_on_commit_callbacks
):
    people, e = world.people, world.other
    first = world.objects["other submission"]
    mail.outbox.clear()
    marks = all_met(first)
    marks["reflective"] = (False, "One more entry.")
    with django_capture_on_commit_callbacks(execute=True):
        review(
            first,
            people["other assessor"],
            marks=marks,
            feedback="See the log.",
            outcome="referred",
        )
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {"olly@other.example", "otto@provider.example"}
    to_participant = sent["olly@other.example"]
    assert to_participant.subject == "Your portfolio is referred back"
    assert "See the log." in to_participant.body
    assert f"/portfolio/{e.pk}/" in to_participant.body
    assert sent["otto@provider.example"].subject == "A portfolio you assess is referred back"

    for step in ("submit", "recommend", "agree"):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            if step == "submit":
                second = submit(e, people["other participant"])
            elif step == "recommend":
                review(
                    second,
                    people["other assessor"],
                    marks=all_met(second),
                    feedback="",
                    outcome="recommended",
                )
            else:
                moderate(second, people["admin"], outcome="agreed", note="")
        assert sorted(m.to[0] for m in mail.outbox) == [
            "olly@other.example",
            "otto@provider.example",
        ], step


def test_the_assessor_marks_through_the_page_with_errors_at_the_fields(client, world):
    e, pending = world.enrolment, world.objects["pending"]
    client.force_login(world.people["assessor"])
    url = reverse("certification:review", args=[e.pk, pending.number])
    page = client.get(url)
    assert page.status_code == 200
    keys = [item["key"] for item in pending.snapshot["items"]]
    data = {f"met-{k}": "yes" for k in keys} | {"outcome": "referred", "feedback": ""}
    data[f"met-{keys[0]}"] = "no"
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "Say what the participant should do" in " ".join(
        refused.context["form"].errors["feedback"]
    )
    missing = client.post(url, {"outcome": "recommended"})
    assert f"met-{keys[0]}" in missing.context["form"].errors
    data["feedback"] = "Add your second session's reflection."
    data[f"feedback-{keys[0]}"] = "Not there yet."
    done = client.post(url, data)
    assert done.status_code == 302
    pending.refresh_from_db()
    assert pending.outcome == SubmissionOutcome.REFERRED
    assert pending.marks.get(key=keys[0]).feedback == "Not there yet."
    # The participant reads the marks and the feedback on their submission page.
    client.force_login(world.people["participant"])
    seen = client.get(reverse("certification:submission", args=[e.pk, pending.number]))
    assert "Not there yet." in seen.content.decode()
    assert "Add your second session" in seen.content.decode()


def test_a_moderator_agrees_through_the_page_and_the_history_shows_it(client, world):
    e, rec = world.objects["earlier"], world.objects["recommended"]
    client.force_login(world.people["admin"])
    queue = client.get(reverse("certification:moderation")).content.decode()
    assert reverse("certification:moderate", args=[e.pk, rec.number]) in queue
    response = client.post(
        reverse("certification:moderate", args=[e.pk, rec.number]), {"outcome": "returned"}
    )
    assert "Say why" in " ".join(response.context["form"].errors["note"])
    client.post(
        reverse("certification:moderate", args=[e.pk, rec.number]),
        {"outcome": "agreed", "note": "Sampled: sound."},
    )
    rec.refresh_from_db()
    assert rec.moderation == ModerationOutcome.AGREED and rec.moderated_by == world.people["admin"]
    history = client.get(reverse("certification:history", args=[e.pk])).content.decode()
    assert "Moderation: agreed the recommendation" in history
    assert "Olu Office" in history


def test_only_the_assessor_marks_only_the_latest_submission_of_a_submitted_portfolio(world):
    people, e = world.people, world.enrolment
    referred, pending = world.objects["referred"], world.objects["pending"]
    marks = all_met(pending)
    for who in ("other assessor", "participant", "impact lead", "senior assessor"):
        with pytest.raises(ReviewError, match="Only the portfolio's assessor"):
            review(pending, people[who], marks=marks, feedback="x", outcome="referred")
    # An older submission is not marked again, even if it were reopened.
    Submission.objects.filter(pk=referred.pk).update(outcome=SubmissionOutcome.PENDING)
    with pytest.raises(ReviewError, match="latest submission"):
        review(referred, people["assessor"], marks=marks, feedback="x", outcome="referred")
    # A withdrawn participant's portfolio is not marked.
    e.status = EnrolmentStatus.WITHDRAWN
    e.save()
    with pytest.raises(ReviewError, match="latest submission"):
        review(pending, people["assessor"], marks=marks, feedback="x", outcome="referred")


def test_the_participant_never_moderates_their_own(world):
    people, rec = world.people, world.objects["recommended"]
    people["participant"].user_permissions.add(*people["senior assessor"].user_permissions.all())
    participant = type(people["participant"]).objects.get(pk=people["participant"].pk)
    with pytest.raises(ReviewError, match="other than the participant"):
        moderate(rec, participant, outcome="agreed", note="")


def test_a_new_decision_after_moderation_returned_it_starts_moderation_afresh(client, world):
    people, e, rec = world.people, world.objects["earlier"], world.objects["recommended"]
    moderate(rec, people["senior assessor"], outcome="returned", note="Term counts look wrong")
    rec.refresh_from_db()
    # The participant does not see the moderator's note to the assessor.
    client.force_login(people["participant"])
    url = reverse("certification:submission", args=[e.pk, rec.number])
    assert "Term counts look wrong" not in client.get(url).content.decode()
    history = client.get(reverse("certification:history", args=[e.pk])).content.decode()
    assert "Moderation: returned to the assessor" in history
    assert "Term counts look wrong" not in history
    client.force_login(people["assessor"])
    assert "Term counts look wrong" in client.get(url).content.decode()
    review(
        rec, people["assessor"], marks=all_met(rec), feedback="Recounted.", outcome="recommended"
    )
    rec.refresh_from_db()
    assert (rec.moderation, rec.moderation_note, rec.moderated_by, rec.moderated_at) == (
        "",
        "",
        None,
        None,
    )
    assert "Term counts look wrong" not in client.get(url).content.decode()
    moderate(rec, people["admin"], outcome="agreed", note="")
    assert e.audit.filter(action="returned").exists() and e.audit.filter(action="agreed").exists()


def test_a_senior_assessors_looks_are_logged(client, world):
    from certification.models import PortfolioView

    senior, e, rec = (
        world.people["senior assessor"],
        world.objects["earlier"],
        world.objects["recommended"],
    )
    client.force_login(senior)
    client.get(reverse("certification:submission", args=[e.pk, rec.number]))
    assert PortfolioView.objects.filter(
        viewer=senior, enrolment=e, part=f"submission {rec.number}"
    ).exists()
