"""Listing images drawn locally with Pillow, so the demo needs no downloads."""

import hashlib
import io

from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model

PALETTES = [
    ((29, 92, 99), (233, 196, 106)),
    ((38, 70, 83), (244, 162, 97)),
    ((42, 157, 143), (233, 237, 201)),
    ((61, 64, 91), (242, 204, 143)),
    ((87, 117, 144), (249, 199, 79)),
    ((106, 76, 147), (255, 202, 58)),
]


def draw_picture(title, width=1200, height=675):
    """An abstract picture (overlapping circles on a gradient) that is stable per title."""
    digest = hashlib.sha256(title.encode()).digest()
    dark, light = PALETTES[digest[0] % len(PALETTES)]
    picture = PILImage.new("RGB", (width, height), dark)
    draw = ImageDraw.Draw(picture)
    for y in range(height):
        mix = y / height
        colour = tuple(
            int(d * (1 - mix * 0.5) + b * mix * 0.2) for d, b in zip(dark, light, strict=True)
        )
        draw.line([(0, y), (width, y)], fill=colour)
    for i in range(6):
        x = digest[1 + i] / 255 * width
        y = digest[7 + i] / 255 * height
        radius = 60 + digest[13 + i] / 255 * 220
        draw.ellipse(
            [x - radius, y - radius, x + radius, y + radius],
            outline=light,
            width=6 + i % 3 * 4,
        )
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=82)
    return buffer


def get_or_create_image(title, description):
    Image = get_image_model()
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing, False
    slug = hashlib.sha1(title.encode(), usedforsecurity=False).hexdigest()[:12]
    image = Image(title=title, description=description)
    image.file = ImageFile(draw_picture(title), name=f"demo-{slug}.jpg")
    image.save()
    return image, True
