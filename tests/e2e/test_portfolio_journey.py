"""In the browser, a portfolio from the first session to moderation (issue 9): a
participant on a 375 px phone logs sessions, completes the task, uploads a file and
submits; the assessor refers it back with feedback; the participant revises and
resubmits; the assessor recommends; a moderator agrees. The audit trail shows each step,
the participant is emailed at each decision, every page passes axe and no phone page
scrolls sideways."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from accounts import roles
from certification.models import (
    AuditAction,
    Award,
    AwardKind,
    Enrolment,
    EnrolmentStatus,
    ModerationOutcome,
    SubmissionOutcome,
    TaskKind,
)
from certification.services.requirements import revise_requirements

from ..certification.portfolio_world import PDF_BYTES, person
from .conftest import PASSWORD, serious_axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def member(email, role, first_name, last_name):
    user = person(email, role, first_name, last_name)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


class Journey:
    """The browsers of the people in the journey, and what axe and the phone's width
    found on each page they saw."""

    def __init__(self, browser, site, axe_source):
        self.browser, self.site, self.axe_source = browser, site, axe_source
        self.contexts = []
        self.problems = []
        self.pages_checked = 0

    def open(self, viewport):
        phone = viewport == PHONE
        context = self.browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.phone = phone
        return page

    def close(self):
        for context in self.contexts:
            context.close()

    def look(self, page, step):
        """Every page of the journey, once loaded: axe, and on the phone the width."""
        page.wait_for_load_state("load")
        self.pages_checked += 1
        for violation in serious_axe_violations(page, self.axe_source):
            self.problems.append(f"axe, {step} ({page.url}): {violation}")
        if page.phone:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                self.problems.append(
                    f"sideways scroll, {step} ({page.url}): {width}px wide on a "
                    f"{PHONE['width']}px screen"
                )

    def sign_in(self, page, email, next_path, step):
        page.goto(f"{self.site.url}/accounts/sign-in/?next={next_path}")
        self.look(page, f"{step}: sign-in page")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/sign-in/" not in url)


def field(page, label):
    """A form field by its label (crispy-forms adds '*' to a required field's label)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\*?\s*$"))


def tab(page, name):
    page.get_by_role("navigation", name="Portfolio").get_by_role("link", name=name).click()


def flash(page):
    return page.get_by_role("status").first.inner_text()


def mark(page, label, met, feedback=""):
    """One requirement on the marking form, in the fieldset named by the requirement."""
    group = page.get_by_role("group", name=re.compile("^" + re.escape(label)))
    group.get_by_label("Met" if met else "Not yet met", exact=True).check()
    if feedback:
        group.get_by_label(f"Feedback on {label}").fill(feedback)


def audit_rows(page):
    """(who, what) for each row of the audit trail, without the notes under 'what'."""
    rows = []
    for row in page.locator("table tbody tr").all():
        _when, who, what = (cell.inner_text().strip() for cell in row.locator("td").all())
        rows.append((who, what.splitlines()[0]))
    return rows


def test_a_portfolio_from_first_session_to_moderation(site, browser, axe_source, settings):
    settings.WAGTAILADMIN_BASE_URL = site.url
    today = timezone.localdate()
    award = Award.objects.create(
        name="Coaching journey certificate (browser test)",
        slug="coaching-journey-e2e",
        kind=AwardKind.CERTIFICATE,
    )
    revise_requirements(
        award,
        coaching_sessions_total=2,
        coaching_minimum_minutes=30,
        reflective_entries=0,
        tasks=[("Starting points", TaskKind.PRE_COURSE, "Where are you now?")],
    )
    pia = member("pia@school.example", roles.PARTICIPANTS, "Pia", "Parker")
    asa = member("asa@provider.example", roles.ASSESSORS, "Asa", "Assessor")
    mo = member("mo@provider.example", roles.PROVIDER_ADMINS, "Mo", "Moderator")
    enrolment = Enrolment.objects.create(
        participant=pia,
        requirement_set=award.current_requirements(),
        assessor=asa,
        academic_year=today.year if today.month >= 9 else today.year - 1,
    )
    portfolio = f"/portfolio/{enrolment.pk}/"
    mail.outbox.clear()

    journey = Journey(browser, site, axe_source)
    try:
        # 1. The participant, on a phone: two sessions, the task, a file, then submits.
        phone = journey.open(PHONE)
        journey.sign_in(phone, pia.email, "/portfolio/", "participant")
        phone.wait_for_url(f"**{portfolio}")  # their only portfolio
        journey.look(phone, "participant: progress")
        for coachee in ("ECT, year 4", "TA, year 2"):
            # "Log a coaching session" on the progress page, "Log a session" in the diary.
            phone.get_by_role("link", name=re.compile("^Log a (coaching )?session$")).click()
            phone.wait_for_url("**/diary/new/")
            field(phone, "Date").fill(today.isoformat())
            field(phone, "Length in minutes").fill("45")
            field(phone, "Coachee").fill(coachee)
            journey.look(phone, "participant: log a session")
            phone.get_by_role("button", name="Save", exact=True).click()
            phone.wait_for_url("**/diary/")
            assert f"Session on {today:%d/%m/%Y} logged." in flash(phone)
            journey.look(phone, "participant: diary")
        assert phone.get_by_text("2 sessions logged.").is_visible()

        tab(phone, "Tasks")
        phone.wait_for_url("**/tasks/")
        journey.look(phone, "participant: tasks")
        phone.get_by_role("link", name="Starting points").click()
        phone.wait_for_url("**/tasks/*/")
        journey.look(phone, "participant: the task")
        phone.get_by_label("Your answer").fill("I listen for the first five minutes.")
        phone.get_by_label("This task is complete").check()
        phone.get_by_role("button", name="Save", exact=True).click()
        phone.wait_for_url("**/tasks/")
        assert "“Starting points” saved as complete." in flash(phone)
        journey.look(phone, "participant: tasks, saved")

        tab(phone, "Files and evidence")
        phone.wait_for_url("**/files/")
        journey.look(phone, "participant: files")
        field(phone, "File").set_input_files(
            {"name": "lesson-plan.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
        )
        field(phone, "Description").fill("Plan for the observed lesson")
        with phone.expect_navigation():  # back to the same address
            phone.get_by_role("button", name="Upload").click()
        assert "“lesson-plan.pdf” uploaded." in flash(phone)
        your_files = phone.get_by_role("region", name="Your files")
        assert your_files.get_by_role("link", name="lesson-plan.pdf").is_visible()
        journey.look(phone, "participant: files, uploaded")

        tab(phone, "Progress")
        phone.wait_for_url(f"**{portfolio}")
        assert phone.get_by_text("Everything asked for is in place").is_visible()
        journey.look(phone, "participant: progress, ready")
        phone.get_by_role("link", name="Submit the portfolio").click()
        phone.wait_for_url("**/submit/")
        journey.look(phone, "participant: submit")
        phone.get_by_role("button", name="Submit for assessment").click()
        phone.wait_for_url(f"**{portfolio}")
        assert "Submitted. Your assessor marks this copy (submission 1)" in flash(phone)
        assert phone.get_by_text("Submitted for assessment.").is_visible()
        journey.look(phone, "participant: submitted")

        # 2. The assessor marks one requirement not yet met and refers it back.
        desk = journey.open(DESKTOP)
        journey.sign_in(desk, asa.email, "/portfolio/", "assessor")
        journey.look(desk, "assessor: portfolios")
        assessing = desk.get_by_role("region", name="Portfolios you assess")
        assessing.get_by_role("link", name="Pia Parker").click()
        desk.wait_for_url(f"**{portfolio}")
        journey.look(desk, "assessor: progress")

        def open_marking_form(number, step):
            tab(desk, "Submissions and history")
            desk.wait_for_url("**/history/")
            journey.look(desk, f"{step}: history")
            desk.get_by_role("link", name=f"Submission {number}", exact=True).click()
            desk.wait_for_url(f"**/submissions/{number}/")
            journey.look(desk, f"{step}: submission {number}")
            desk.get_by_role("link", name="Mark this submission").click()
            desk.wait_for_url(f"**/submissions/{number}/review/")
            journey.look(desk, f"{step}: marking form")

        open_marking_form(1, "assessor")
        mark(desk, "Coaching sessions logged", met=True)
        mark(desk, "Task: Starting points", met=False, feedback="Say what you will change.")
        desk.get_by_label("Overall feedback").fill("Nearly there: expand the starting points.")
        desk.get_by_label("Refer back to the participant").check()
        journey.look(desk, "assessor: marking form, filled in")
        desk.get_by_role("button", name="Record the decision").click()
        desk.wait_for_url("**/submissions/1/")
        assert "Your decision is recorded" in flash(desk)
        journey.look(desk, "assessor: submission 1, referred back")

        # 3. The participant reads the feedback, revises the task and resubmits.
        phone.goto(site.url + portfolio)
        assert phone.get_by_text("Referred back.").is_visible()
        journey.look(phone, "participant: progress, referred back")
        phone.get_by_role("link", name="Submission 1").click()
        phone.wait_for_url("**/submissions/1/")
        feedback = phone.get_by_role("region", name="The assessor's feedback")
        assert "Nearly there: expand the starting points." in feedback.inner_text()
        assert phone.get_by_text("Say what you will change.").is_visible()
        journey.look(phone, "participant: submission 1 with the feedback")
        tab(phone, "Tasks")
        phone.wait_for_url("**/tasks/")
        phone.get_by_role("link", name="Starting points").click()
        phone.wait_for_url("**/tasks/*/")
        phone.get_by_label("Your answer").fill(
            "I listen for the first five minutes.\n\nNext I will ask before I suggest."
        )
        journey.look(phone, "participant: the task, revised")
        phone.get_by_role("button", name="Save", exact=True).click()
        phone.wait_for_url("**/tasks/")
        tab(phone, "Submissions and history")
        phone.wait_for_url("**/history/")
        journey.look(phone, "participant: history")
        phone.get_by_role("link", name="Submit the portfolio").click()
        phone.wait_for_url("**/submit/")
        journey.look(phone, "participant: resubmit")
        phone.get_by_role("button", name="Submit for assessment").click()
        phone.wait_for_url(f"**{portfolio}")
        assert "(submission 2)" in flash(phone)
        journey.look(phone, "participant: resubmitted")

        # 4. The assessor marks every requirement met and recommends.
        desk.goto(site.url + portfolio)
        journey.look(desk, "assessor: progress, resubmitted")
        open_marking_form(2, "assessor, second time")
        mark(desk, "Coaching sessions logged", met=True)
        mark(desk, "Task: Starting points", met=True, feedback="Clear next steps.")
        desk.get_by_label("Recommend the award").check()
        desk.get_by_role("button", name="Record the decision").click()
        desk.wait_for_url("**/submissions/2/")
        assert "Your decision is recorded" in flash(desk)
        journey.look(desk, "assessor: submission 2, recommended")

        # 5. A moderator agrees the recommendation.
        admin = journey.open(DESKTOP)
        journey.sign_in(admin, mo.email, "/portfolio/moderation/", "moderator")
        journey.look(admin, "moderator: recommendations to moderate")
        name = re.compile("^Pia Parker, " + re.escape(award.name))
        admin.get_by_role("link", name=name).click()
        admin.wait_for_url("**/submissions/2/moderate/")
        journey.look(admin, "moderator: moderate")
        admin.get_by_label("Agree the recommendation").check()
        admin.get_by_label("Note").fill("Sampled: the marks are sound.")
        admin.get_by_role("button", name="Record the moderation").click()
        admin.wait_for_url("**/submissions/2/")
        assert "Moderation recorded." in flash(admin)
        journey.look(admin, "moderator: submission 2, agreed")

        # 6. The audit trail shows each step and who took it, to the moderator and to
        # the participant.
        expected = [
            ("Pia Parker", "Submitted the portfolio (submission 1)"),
            ("Asa Assessor", "Referred the portfolio back (submission 1)"),
            ("Pia Parker", "Submitted the portfolio (submission 2)"),
            ("Asa Assessor", "Recommended the award (submission 2)"),
            ("Mo Moderator", "Moderation: agreed the recommendation (submission 2)"),
        ]
        tab(admin, "Submissions and history")
        admin.wait_for_url("**/history/")
        journey.look(admin, "moderator: history")
        assert audit_rows(admin) == expected
        phone.goto(site.url + portfolio + "history/")
        journey.look(phone, "participant: history, at the end")
        assert audit_rows(phone) == expected
        trail = phone.locator("table tbody").inner_text()
        assert "First submission" in trail and "Resubmission (2)" in trail
        # The moderator's note is for the assessor and the office, not the participant.
        assert "Sampled: the marks are sound." not in trail
        assert "Sampled: the marks are sound." in admin.locator("table tbody").inner_text()
    finally:
        journey.close()

    # The database agrees with what the pages said.
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.RECOMMENDED
    first, second = enrolment.submissions.order_by("number")
    assert (first.outcome, first.decided_by) == (SubmissionOutcome.REFERRED, asa)
    assert (second.outcome, second.decided_by) == (SubmissionOutcome.RECOMMENDED, asa)
    assert (second.moderation, second.moderated_by) == (ModerationOutcome.AGREED, mo)
    assert [f["name"] for f in second.snapshot["files"]] == ["lesson-plan.pdf"]
    assert "ask before I suggest" in second.snapshot["tasks"][0]["answer"]
    assert "ask before I suggest" not in first.snapshot["tasks"][0]["answer"]
    assert list(enrolment.audit.values_list("action", flat=True)) == [
        AuditAction.SUBMITTED,
        AuditAction.REFERRED,
        AuditAction.SUBMITTED,
        AuditAction.RECOMMENDED,
        AuditAction.MODERATION_AGREED,
    ]

    # The participant was emailed at each step; the referral carries the feedback. (The
    # live server runs in this process, so its locmem outbox is this one.)
    to_pia = [m for m in mail.outbox if m.to == [pia.email]]
    assert [m.subject for m in to_pia] == [
        "Your portfolio is submitted",
        "Your portfolio is referred back",
        "Your portfolio is submitted",
        "Your assessor recommends your award",
        "Your recommendation is confirmed",
    ]
    assert "Nearly there: expand the starting points." in to_pia[1].body
    assert [m.subject for m in mail.outbox if m.to == [asa.email]][1:2] == [
        "A portfolio you assess is referred back"
    ]

    # Every page seen passes axe and, on the phone, fits the screen's width.
    assert journey.pages_checked >= 30
    assert journey.problems == [], "\n".join(journey.problems)
