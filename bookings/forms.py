"""The booking form: places, delegates, the school, billing and a voucher; and, for a
booker new to us, their account and organisation in the same step."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.forms import formset_factory

from .models import Organisation, OrganisationKind, PaymentMethod

# Delegate rows offered on the form. Without JavaScript the form cannot grow, so it
# offers enough rows for a typical school booking; a larger group books twice or asks.
MAX_DELEGATE_ROWS = 8


class BookingDetailsForm(forms.Form):
    places = forms.IntegerField(
        label="Number of places",
        min_value=1,
        max_value=200,
        error_messages={"min_value": "Book at least one place."},
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Places are for",
        empty_label=None,
        help_text="Your school, or one of your trust's schools.",
    )
    po_number = forms.CharField(
        label="Purchase-order (PO) number",
        max_length=40,
        required=False,
        help_text="If your finance office raised a purchase order, it goes on the invoice.",
    )
    billing_name = forms.CharField(label="Invoice to", max_length=200)
    billing_address = forms.CharField(
        label="Invoice address", widget=forms.Textarea(attrs={"rows": 3})
    )
    billing_postcode = forms.CharField(label="Postcode", max_length=10)
    finance_email = forms.EmailField(
        label="Finance email", help_text="Where we send the invoice, besides you."
    )
    voucher_code = forms.CharField(label="Voucher code (optional)", max_length=30, required=False)
    payment_method = forms.ChoiceField(
        label="How you will pay",
        widget=forms.RadioSelect,
        choices=[(PaymentMethod.INVOICE, "By invoice")],  # set per request: payments.py
        initial=PaymentMethod.INVOICE,
    )

    def __init__(self, *args, organisations=None, payment_methods=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is None:
            # A new booker: the organisation is the one they are signing up with, and the
            # invoice goes to it unless they say otherwise.
            del self.fields["organisation"]
            for name in ("billing_name", "billing_address", "billing_postcode", "finance_email"):
                self.fields[name].required = False
            hint = "Leave the invoice details blank to invoice your school at the address above."
            self.fields["billing_name"].help_text = hint
        else:
            self.fields["organisation"].queryset = organisations
            if len(organisations) == 1:
                self.fields["organisation"].widget = forms.HiddenInput()
        if payment_methods:
            self.fields["payment_method"].choices = payment_methods

    def clean_voucher_code(self):
        return self.cleaned_data["voucher_code"].strip().upper()

    def clean_billing_postcode(self):
        return " ".join(self.cleaned_data["billing_postcode"].upper().split())

    def clean(self):
        data = super().clean()
        address_given = [bool(data.get(n)) for n in ("billing_address", "billing_postcode")]
        if any(address_given) and not all(address_given):
            missing = "billing_postcode" if address_given[0] else "billing_address"
            self.add_error(missing, "Give both the invoice address and its postcode.")
        return data


class DelegateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=160, required=False)
    email = forms.EmailField(label="Email", required=False)
    job_title = forms.CharField(label="Job title", max_length=120, required=False)

    def clean(self):
        data = super().clean()
        name, email = data.get("name", "").strip(), data.get("email", "")
        if email and not name:
            self.add_error("name", "Give this delegate's name, or clear the row.")
        if name and not email and "email" not in self.errors:
            self.add_error(
                "email", "Give this delegate's email so we can send the joining details."
            )
        return data


def delegate_formset(rows):
    return formset_factory(DelegateForm, extra=rows, max_num=rows, validate_max=True)


class NewBookerForm(forms.Form):
    """The booker's own account, for someone who has not booked with us before."""

    first_name = forms.CharField(
        max_length=150, widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=150, widget=forms.TextInput({"autocomplete": "family-name"})
    )
    email = forms.EmailField(label="Your email", widget=forms.EmailInput({"autocomplete": "email"}))
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common password.",
    )
    job_title = forms.CharField(max_length=120, required=False, label="Your job title")
    phone = forms.CharField(max_length=40, required=False, label="Phone (optional)")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account already uses this email address. Sign in to book with it."
            )
        return email

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not password and not self.fields["password"].required:
            return ""  # keeping the password chosen earlier (see BookingFlow)
        user = get_user_model()(
            email=self.data.get(self.add_prefix("email"), ""),
            first_name=self.data.get(self.add_prefix("first_name"), ""),
            last_name=self.data.get(self.add_prefix("last_name"), ""),
        )
        password_validation.validate_password(password, user)
        return password


class NewOrganisationForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label="Type of organisation",
        choices=[
            (value, label)
            for value, label in OrganisationKind.choices
            if value != OrganisationKind.LOCAL_AUTHORITY
        ],
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "address",
            "postcode",
            "identifier",
            "finance_contact_name",
            "finance_email",
            "vat_number",
            "requires_po_number",
        ]
        labels = {
            "name": "School or organisation name",
            "address": "Address",
            "finance_email": "Finance office email",
            "requires_po_number": "Our finance office needs a PO number on every invoice",
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finance_email"].required = True
        self.fields["address"].help_text = "Without the postcode."

    def clean_postcode(self):
        return " ".join(self.cleaned_data["postcode"].upper().split())
