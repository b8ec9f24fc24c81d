import pytest
from wagtail.blocks import StructBlockValidationError

from website.blocks import ResourceLinkBlock


def test_resource_link_needs_an_address_or_a_page():
    block = ResourceLinkBlock()
    value = block.to_python({"title": "Reading list", "url": "", "page": None, "description": ""})
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(value)
    assert "url" in error.value.block_errors


@pytest.mark.django_db
def test_resource_link_with_an_address_is_valid():
    block = ResourceLinkBlock()
    value = block.to_python(
        {"title": "Reading list", "url": "https://example.org/", "page": None, "description": ""}
    )
    assert block.clean(value)["url"] == "https://example.org/"
