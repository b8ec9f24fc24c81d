import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# Characters that could end a <script> element or start an HTML comment inside it.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data):
    """Structured data for search engines, safe to place inside a page."""
    payload = json.dumps(data, cls=DjangoJSONEncoder).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))  # noqa: S308


@register.filter
def gbp(value):
    """£1,234.50, or £265 when there are no pence."""
    if value is None:
        return ""
    text = f"{value:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"£{text}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters changed (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return "?" + params.urlencode()


@register.filter
def in_section(path, section_url):
    """True when `path` is the section's page or below it (the home page only matches itself)."""
    if not section_url:
        return False
    if section_url == "/":
        return path == "/"
    return path.startswith(section_url)


@register.filter
def gbp_exact(value):
    """£1,234.50 and £265.00: invoices always show the pence; negatives as -£75.00."""
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"
