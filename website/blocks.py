"""StreamField blocks shared by the site's pages. Each block names its own template."""

from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from wagtail import blocks
from wagtail.images.blocks import ImageBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", "Heading 2"), ("h3", "Heading 3")],
        default="h2",
        help_text="Use heading 2 for a new section and heading 3 inside one.",
    )

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"


class QuoteBlock(blocks.StructBlock):
    """A quotation or a delegate's testimonial."""

    quote = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, help_text="Who said it, e.g. 'Deputy head'.")
    organisation = blocks.CharBlock(
        required=False,
        help_text="Name a school only with its permission; otherwise describe it.",
    )

    class Meta:
        icon = "openquote"
        template = "blocks/quote_block.html"


class ResourceLinkBlock(blocks.StructBlock):
    """A link to a resource, a piece of research or a policy document."""

    title = blocks.CharBlock(max_length=160)
    url = blocks.URLBlock(required=False, help_text="An outside address.")
    page = blocks.PageChooserBlock(required=False, help_text="Or a page on this site.")
    description = blocks.TextBlock(required=False, max_length=300)

    class Meta:
        icon = "link"
        template = "blocks/resource_link_block.html"

    def clean(self, value):
        value = super().clean(value)
        if not value.get("url") and not value.get("page"):
            message = "Give an outside address or choose a page."
            raise blocks.StructBlockValidationError(
                block_errors={"url": ErrorList([ValidationError(message)])}
            )
        return value


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageBlock()
    caption = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "image"
        template = "blocks/captioned_image_block.html"


class BodyBlock(blocks.StreamBlock):
    """The body of standard pages and journal posts."""

    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul", "h3", "document-link"],
        template="blocks/paragraph_block.html",
    )
    image = CaptionedImageBlock()
    quote = QuoteBlock()
    resource_link = ResourceLinkBlock()
