"""Light formatting for what participants write, without a rich-text editor (the forms
work on a phone and without JavaScript): a blank line starts a new paragraph, lines that
start with "- " make a list, and **words** between double asterisks are bold. Everything
is escaped first, so nothing typed can become markup of its own."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

# Linear time whatever is typed: no nested repetition to backtrack over.
_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")


def _inline(text):
    return _BOLD.sub(r"<strong>\1</strong>", escape(text))


@register.filter
def formatted(value):
    blocks = re.split(r"\n\s*\n", str(value or "").replace("\r\n", "\n").strip())
    html = []
    for block in blocks:
        if not block.strip():
            continue
        lines = block.split("\n")
        if all(line.lstrip().startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        else:
            html.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    # Safe: every piece of the participant's text went through escape() in _inline.
    return mark_safe("\n".join(html))  # noqa: S308


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if mapping else None
