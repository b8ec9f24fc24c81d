"""What a portfolio upload is, decided from its content: never from its name or the
browser's claim. PDF, Word (.docx) and images (JPEG, PNG, GIF, WebP) are accepted, up to
settings.PORTFOLIO_MAX_UPLOAD_BYTES; anything else is refused with a message that says
why, for the form to show at the file field."""

import hashlib
import warnings
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

from .models import FileKind

ACCEPTED = "PDF, Word (.docx) or an image (JPEG, PNG, GIF or WebP)"

_IMAGES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
_PROGRAM_SIGNATURES = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Sniffed:
    kind: str
    content_type: str
    size: int
    sha256: str


def _megabytes(size):
    return f"{size / (1024 * 1024):.1f} MB"


def sniff(upload):
    """The kind of an uploaded file, or ValidationError with the reason it is refused."""
    limit = settings.PORTFOLIO_MAX_UPLOAD_BYTES
    if upload.size == 0:
        raise ValidationError("This file is empty. Choose the file again.", code="empty")
    if upload.size > limit:
        raise ValidationError(
            f"This file is {_megabytes(upload.size)}; the most a file can be is "
            f"{_megabytes(limit).replace('.0 ', ' ')}.",
            code="too_big",
        )
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    kind, content_type = _kind(upload, head)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return Sniffed(kind, content_type, upload.size, digest.hexdigest())


def _kind(upload, head):
    if head.startswith(_PROGRAM_SIGNATURES):
        raise ValidationError(
            f"This file is a program, whatever its name says. Upload a {ACCEPTED} file.",
            code="program",
        )
    if head.startswith(b"%PDF-"):
        return FileKind.PDF, "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        if _is_docx(upload):
            return FileKind.WORD, DOCX
        raise ValidationError(
            f"This is a zip file or an Office file other than a Word document. "
            f"Upload a {ACCEPTED} file.",
            code="type",
        )
    image = _image_format(upload)
    if image:
        return FileKind.IMAGE, _IMAGES[image]
    raise ValidationError(
        f"This type of file can't be uploaded. Upload a {ACCEPTED} file.", code="type"
    )


def _is_docx(upload):
    """A Word document: a zip holding the parts Word writes, with no macros and nothing
    embedded (an embedded object can carry a program). Only the zip's directory and its
    small list of content types are read, so a zip bomb is never unpacked."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                return False
            types = archive.getinfo("[Content_Types].xml")
            if types.file_size > 256 * 1024:
                return False
            content_types = archive.read(types).lower()
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return False
    finally:
        upload.seek(0)
    lowered = [name.lower() for name in names]
    return not (
        b"macroenabled" in content_types
        or any(name.endswith(".bin") or "/embeddings/" in name for name in lowered)
    )


def _image_format(upload):
    """One of the accepted image formats, read and verified by Pillow; an image so large
    that Pillow warns of a decompression bomb is refused too."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=list(_IMAGES)) as image:
                image_format = image.format
                image.verify()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        return None
    finally:
        upload.seek(0)
    return image_format if image_format in _IMAGES else None


# The extension a download is given, from the checked kind, whatever the upload was called.
EXTENSIONS = {
    "application/pdf": ".pdf",
    DOCX: ".docx",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
}


def download_name(name, content_type):
    """The stored name with the extension its checked content calls for: a program
    uploaded as 'notes.pdf' could never be saved as 'run.bat' by whoever downloads it."""
    extension = EXTENSIONS.get(content_type, ".bin")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (stem.strip() or "file") + extension
