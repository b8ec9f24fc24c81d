from django import forms

HONEYPOT_FIELD = "website_url"


def with_honeypot(form_class):
    """Add a field that people never see or fill in, but form-filling bots do."""

    class HoneypotForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields[HONEYPOT_FIELD] = forms.CharField(
                required=False,
                label="Leave this field empty",
                widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
            )
            self.is_spam = False

        def clean(self):
            cleaned = super().clean()
            self.is_spam = bool(cleaned.pop(HONEYPOT_FIELD, ""))
            return cleaned

    HoneypotForm.__name__ = form_class.__name__
    return HoneypotForm


class SearchForm(forms.Form):
    q = forms.CharField(label="Search courses and the journal", max_length=200, required=False)
