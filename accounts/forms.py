from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {
        "invalid_login": "That email address and password do not match an account. "
        "Check both and try again.",
        "inactive": "This account has been closed. Contact the office to reopen it.",
    }
