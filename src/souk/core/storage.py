"""Media storage behind a small interface; the default keeps files under ``var/media``."""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image, UnidentifiedImageError

from souk.core.errors import InvalidInput

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MIN_IMAGE_SIDE = 100
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class MediaStorage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...
    def read(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def path(self, key: str) -> Path | None: ...


class FileMediaStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _resolve(self, key: str) -> Path:
        target = (self.root / key).resolve()
        if self.root.resolve() not in target.parents:
            raise InvalidInput("invalid media key")
        return target

    def save(self, key: str, data: bytes) -> None:
        target = self._resolve(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        handle, temp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, target)

    def read(self, key: str) -> bytes:
        return self._resolve(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._resolve(key).is_file()

    def path(self, key: str) -> Path | None:
        target = self._resolve(key)
        return target if target.is_file() else None


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    extension: str
    width: int
    height: int


def check_image(data: bytes) -> CheckedImage:
    """Accept JPEG, PNG or WebP product images of a sensible size; refuse anything else."""
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput("Images are limited to 10 MB.", field="images")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise InvalidInput("That file is not a JPEG, PNG or WebP image.", field="images") from None
    if kind not in IMAGE_FORMATS:
        raise InvalidInput("Images must be JPEG, PNG or WebP.", field="images")
    if min(width, height) < MIN_IMAGE_SIDE:
        raise InvalidInput(
            f"Images must be at least {MIN_IMAGE_SIDE} pixels on each side.", field="images"
        )
    return CheckedImage(data, IMAGE_FORMATS[kind], width, height)
