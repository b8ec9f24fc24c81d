from django import forms

from .choices import CourseFormat, CourseLength


class CourseFilterForm(forms.Form):
    """Filters for the catalogue, sent as a plain GET form so that it works without JS."""

    audience = forms.ModelChoiceField(
        queryset=None,  # the audiences to offer are passed in: see __init__
        to_field_name="slug",
        required=False,
        empty_label="Anyone",
        label="Who it is for",
    )
    format = forms.ChoiceField(
        choices=[("", "Any format"), *CourseFormat.choices], required=False, label="Format"
    )
    length = forms.ChoiceField(
        choices=[("", "Any length"), *CourseLength.choices], required=False, label="Length"
    )

    def __init__(self, *args, audiences, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].queryset = audiences

    def has_filters(self):
        return any(self.cleaned_data.get(name) for name in self.fields)

    def filter(self, courses):
        data = self.cleaned_data
        if data.get("audience"):
            courses = courses.filter(audiences=data["audience"])
        if data.get("format"):
            courses = courses.filter(format=data["format"])
        if data.get("length"):
            courses = courses.filter(length=data["length"])
        return courses
