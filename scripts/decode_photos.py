#!/usr/bin/env python3
"""Decode the JPEG/PNG test photos once, with Pillow, into lossless PNGs in tests/data/decoded/.

Why: JPEG decoders legitimately differ by a few levels per pixel (Pillow's libjpeg-turbo and the
`image` crate's zune-jpeg differ by up to 4 levels, mean 0.34, on crowd.jpg). On 20-pixel faces that
noise alone moves boxes and embeddings past the reference bounds. The reference comparison is about
lineup's own pipeline code, so both sides read these identical pixels. Run by ./scripts/setup.
"""
import sys
from pathlib import Path

from PIL import Image, ImageOps

root = Path(__file__).resolve().parent.parent
photos = root / "tests/data/photos"
decoded = root / "tests/data/decoded"
decoded.mkdir(parents=True, exist_ok=True)
for photo in sorted(photos.iterdir()):
    out = decoded / (photo.stem + ".png")
    if not out.exists():
        ImageOps.exif_transpose(Image.open(photo)).convert("RGB").save(out)
print(f"decoded {len(list(decoded.iterdir()))} photos into {decoded.relative_to(root)}", file=sys.stderr)
