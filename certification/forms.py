"""The portfolio's forms. Each works without JavaScript; the diary's quick-add form asks
only for what is needed first, the rest can follow."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone

from .models import (
    CoachingCycle,
    CoachingSession,
    ModerationOutcome,
    ReflectiveEntry,
    SubmissionOutcome,
    TaskResponse,
    VisitOutcome,
)
from .uploads import ACCEPTED, sniff


def date_picker():
    """A browser date picker. It sends and must be given ISO dates (2026-11-25), whatever
    the site's own date format, or the browser shows the field empty."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# The longest text one field takes: a long reflection fits many times over.
LONG_TEXT = 20_000


def limit_text(form, *names, length=LONG_TEXT):
    for name in names:
        if name in form.fields:
            field = form.fields[name]
            field.max_length = length
            field.validators.append(MaxLengthValidator(length))
            field.widget.attrs["maxlength"] = str(length)


FORMATTING = (
    "A blank line starts a new paragraph; start lines with '- ' for a list; put "
    "**double asterisks** around words for bold."
)


def _cycles_field(form, enrolment):
    field = form.fields["cycle"]
    field.queryset = enrolment.cycles.order_by("-number")
    field.empty_label = "Not part of a cycle"
    field.label_from_instance = lambda c: f"Cycle {c.number}: {c.goal} ({c.coachee})"


class QuickSessionForm(forms.ModelForm):
    """The few things to note straight after a session, on a phone."""

    class Meta:
        model = CoachingSession
        fields = ["held_on", "minutes", "coachee", "cycle", "phase", "focus"]
        widgets = {"held_on": date_picker()}
        labels = {
            "held_on": "Date",
            "minutes": "Length in minutes",
            "focus": "Focus or goal",
            "phase": "Stage of the cycle",
        }
        help_texts = {"coachee": "Initials or a role, never a full name, e.g. 'ECT, year 4'."}

    def __init__(self, *args, enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrolment = enrolment
        _cycles_field(self, enrolment)
        limit_text(self, "what_happened", "reflection", "next_steps")
        self.fields["minutes"].widget.attrs.update(inputmode="numeric", min=1, max=600)
        if not self.instance.pk:
            self.initial.setdefault("held_on", timezone.localdate())

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("A session can't be logged before it has happened.")
        return day

    def clean_minutes(self):
        minutes = self.cleaned_data["minutes"]
        if not 1 <= minutes <= 600:
            raise forms.ValidationError("Give the length in minutes, between 1 and 600.")
        return minutes


class SessionForm(QuickSessionForm):
    """Everything the diary records about a session."""

    class Meta(QuickSessionForm.Meta):
        fields = [
            *QuickSessionForm.Meta.fields,
            "trio",
            "model_and_tools",
            "style",
            "what_happened",
            "reflection",
            "next_steps",
        ]
        labels = {
            **QuickSessionForm.Meta.labels,
            "model_and_tools": "Model and tools used",
            "trio": "A meeting of your coaching trio",
        }
        help_texts = {
            **QuickSessionForm.Meta.help_texts,
            "model_and_tools": (
                "For example: GROW; scaling. Your school's impact report counts the "
                "models and tools named here and shows nothing else you write."
            ),
        }

        widgets = {
            **QuickSessionForm.Meta.widgets,
            "style": forms.RadioSelect,
            "what_happened": forms.Textarea(attrs={"rows": 4}),
            "reflection": forms.Textarea(attrs={"rows": 4}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, enrolment, **kwargs):
        super().__init__(*args, enrolment=enrolment, **kwargs)
        trios = enrolment.trios.filter(academic_year=enrolment.academic_year)
        if trios.exists():
            self.fields["trio"].queryset = trios
            self.fields["trio"].empty_label = "No"
        else:
            del self.fields["trio"]


class CycleForm(forms.ModelForm):
    class Meta:
        model = CoachingCycle
        fields = ["coachee", "goal", "started_on", "ended_on"]
        widgets = {
            "started_on": date_picker(),
            "ended_on": date_picker(),
        }
        labels = {"ended_on": "Ended on (leave empty while the cycle runs)"}

    def clean(self):
        data = super().clean()
        if (
            data.get("ended_on")
            and data.get("started_on")
            and data["ended_on"] < data["started_on"]
        ):
            self.add_error("ended_on", "A cycle can't end before it starts.")
        return data


class CoacheeNoteForm(forms.Form):
    text = forms.CharField(
        label="Your notes on this session",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text="What you took from the session, and anything you want your coach to know.",
    )


class CoacheeLinkForm(forms.Form):
    email = forms.EmailField(
        required=False,
        label="Coachee's email (optional)",
        help_text="We send the link there and do not keep the address. Leave empty to "
        "copy the link yourself.",
    )


class UploadField(forms.FileField):
    """A file whose type is read from its content (uploads.sniff)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", f"{ACCEPTED}; at most 10 MB.")
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ".pdf,.docx,.jpg,.jpeg,.png,.gif,.webp"

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            upload.sniffed = sniff(upload)
        return upload


class CriteriaMixin:
    def _criteria(self, enrolment):
        field = self.fields["criteria"]
        field.queryset = enrolment.requirement_set.criteria.all()
        field.label_from_instance = lambda c: f"{c.code} {c.text}"
        if not field.queryset.exists():
            del self.fields["criteria"]


class EntryForm(CriteriaMixin, forms.ModelForm):
    attachment = UploadField(required=False, label="Attach a file (optional)")

    class Meta:
        model = ReflectiveEntry
        fields = ["written_on", "title", "body", "criteria"]
        widgets = {
            "written_on": date_picker(),
            "body": forms.Textarea(attrs={"rows": 10}),
            "criteria": forms.CheckboxSelectMultiple,
        }
        labels = {"written_on": "Date", "body": "Entry", "criteria": "Evidence for"}
        help_texts = {"body": FORMATTING}

    def __init__(self, *args, enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self._criteria(enrolment)
        limit_text(self, "body")


class AnswerForm(forms.ModelForm):
    complete = forms.BooleanField(
        required=False, label="This task is complete", help_text="Leave unticked to keep a draft."
    )
    attachment = UploadField(required=False, label="Attach a file (optional)")

    class Meta:
        model = TaskResponse
        fields = ["answer"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 10})}
        labels = {"answer": "Your answer"}
        help_texts = {"answer": FORMATTING}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["complete"].initial = bool(self.instance.completed_at)
        limit_text(self, "answer")

    def clean(self):
        data = super().clean()
        if data.get("complete") and not (data.get("answer") or "").strip():
            self.add_error("answer", "Write your answer before marking the task complete.")
        return data


class FileForm(CriteriaMixin, forms.Form):
    upload = UploadField(label="File")
    description = forms.CharField(
        required=False, max_length=200, help_text="What the file is, in a few words."
    )
    criteria = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Evidence for"
    )

    def __init__(self, *args, enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self._criteria(enrolment)


class ImpactStatementForm(forms.Form):
    text = forms.CharField(
        label="Impact statement",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=3000,
        help_text="How the coaching developed and what it changed, for the head and "
        "governors. Not a judgement of the teacher's performance.",
    )


class ReviewForm(forms.Form):
    """One met / not yet met choice and feedback per requirement, then the outcome."""

    feedback = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=LONG_TEXT,
        label="Overall feedback",
        help_text="Needed when you refer the portfolio back.",
    )
    outcome = forms.ChoiceField(
        choices=[
            (SubmissionOutcome.REFERRED, "Refer back to the participant"),
            (SubmissionOutcome.RECOMMENDED, "Recommend the award"),
        ],
        widget=forms.RadioSelect,
        label="Decision",
    )

    def __init__(self, *args, items, marks=None, **kwargs):
        super().__init__(*args, **kwargs)
        marks = marks or {}
        self.items = items
        for item in items:
            key = item["key"]
            previous = marks.get(key)
            self.fields[f"met-{key}"] = forms.ChoiceField(
                choices=[("yes", "Met"), ("no", "Not yet met")],
                widget=forms.RadioSelect,
                label=item["label"],
                initial=("yes" if previous.met else "no") if previous else None,
            )
            self.fields[f"feedback-{key}"] = forms.CharField(
                required=False,
                max_length=LONG_TEXT,
                label=f"Feedback on {item['label']}",
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=previous.feedback if previous else "",
            )

    def rows(self):
        return [
            (item, self[f"met-{item['key']}"], self[f"feedback-{item['key']}"])
            for item in self.items
        ]

    def marks(self):
        return {
            item["key"]: (
                self.cleaned_data[f"met-{item['key']}"] == "yes",
                self.cleaned_data[f"feedback-{item['key']}"],
            )
            for item in self.items
        }


class ModerationForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            (ModerationOutcome.AGREED, "Agree the recommendation"),
            (ModerationOutcome.RETURNED, "Return it to the assessor"),
        ],
        widget=forms.RadioSelect,
        label="Decision",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=LONG_TEXT,
        label="Note",
        help_text="Needed when you return the recommendation.",
    )


class VisitRecordForm(forms.Form):
    """What the assessor records at a QA visit, on a phone."""

    attended = forms.CharField(
        label="Who attended",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=LONG_TEXT,
        help_text="Names and roles, e.g. 'Ruth Dennison (deputy head, impact lead)'.",
    )
    sampled = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Portfolios sampled",
    )
    evidence_seen = forms.CharField(
        label="Evidence seen", widget=forms.Textarea(attrs={"rows": 4}), max_length=LONG_TEXT
    )
    findings = forms.CharField(
        label="Findings", widget=forms.Textarea(attrs={"rows": 5}), max_length=LONG_TEXT
    )
    outcome = forms.ChoiceField(
        choices=VisitOutcome.choices, widget=forms.RadioSelect, label="Outcome"
    )
    actions = forms.CharField(
        required=False,
        label="Actions required",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=LONG_TEXT,
        help_text="Needed when actions are required.",
    )
    follow_up_by = forms.DateField(
        required=False,
        label="Actions to be done by",
        widget=date_picker(),
        help_text="Needed when actions are required.",
    )
    follow_up_at = forms.DateTimeField(
        required=False,
        label="Book the follow-up visit for (optional)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        help_text="The assessor and the school's coaching leads are sent it.",
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["sampled"]
        field.queryset = candidates
        field.label_from_instance = lambda e: (
            f"{e.participant.get_full_name() or e.participant.email} "
            f"({e.get_status_display().lower()})"
        )


class VerifyForm(forms.Form):
    number = forms.CharField(
        label="Certificate number", max_length=24, help_text="As printed, e.g. CCC-2026-0007."
    )
    surname = forms.CharField(label="Holder's surname", max_length=100)

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()
