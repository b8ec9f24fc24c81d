"""What participants type is shown with light formatting and never as markup."""

from certification.templatetags.portfolio_tags import formatted


def test_paragraphs_lists_and_bold():
    text = "First **idea** here\nsame paragraph\n\n- one\n- two\n\nLast"
    assert formatted(text) == (
        "<p>First <strong>idea</strong> here<br>same paragraph</p>\n"
        "<ul><li>one</li><li>two</li></ul>\n<p>Last</p>"
    )


def test_typed_markup_is_escaped():
    html = formatted('<script>alert("x")</script>\n\n**<b>bold</b>**')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>&lt;b&gt;bold&lt;/b&gt;</strong>" in html


def test_empty_text_gives_nothing():
    assert formatted("") == "" and formatted(None) == ""
