"""Install the Chinese fonts the quote PDF embeds: `python -m guanxi.modules.sales.fonts`.

`make install` (and so `make run` and `make test`) runs this once. The fonts are not kept in
the repository (16 MB of binaries that never change would weigh on every clone); they are
made from a pinned, hash-checked download instead:

- **Source:** Noto Sans SC 2.004 Regular and Bold, the static TrueType instances Google
  Fonts serves, as packaged on the npm registry in `@expo-google-fonts/noto-sans-sc` 0.4.3
  (57 MB). The archive's SHA-512 is pinned below: a changed or corrupted download is refused.
- **Subset** with fontTools (fpdf2 depends on it) to what a quote prints: ASCII and Latin-1,
  punctuation, currency signs, CJK punctuation, full-width forms, all of GB2312 and, for
  Regular, every CJK Unified Ideograph (U+4E00–U+9FFF, GBK's hanzi: 喆 堃 昇 珺 镕 are in
  people's and companies' names). Bold, for headings and product names, keeps GB2312;
  pdf.py draws a rarer character from Regular. Hinting, shaping features and vertical
  metrics are dropped: PDF text is printed and zoomed, horizontal and unshaped.

Fonts under the SIL Open Font License 1.1 (`LICENSE-OFL.txt` here). Offline, pass the
archive fetched elsewhere: `python -m guanxi.modules.sales.fonts --archive FILE.tgz`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import io
import os
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

ARCHIVE_URL = "https://registry.npmjs.org/@expo-google-fonts/noto-sans-sc/-/noto-sans-sc-0.4.3.tgz"
ARCHIVE_SHA512 = "sha512-9rAwdFTFHbO/u6Cs0gj2jZbW74TGIiaFNQnXYH2s5wA1bzVkwbaviL4t8YUV642eGYjg86eH6DkAEQmfNHDncQ=="
FONTS_DIR = Path(__file__).parent
REGULAR = "NotoSansSC-Regular.ttf"
BOLD = "NotoSansSC-Bold-GB2312.ttf"
# output file → (member of the archive, every CJK Unified Ideograph or GB2312 only)
SUBSETS = {
    REGULAR: ("package/400Regular/NotoSansSC_400Regular.ttf", True),
    BOLD: ("package/700Bold/NotoSansSC_700Bold.ttf", False),
}

RANGES = [
    (0x20, 0x7E),
    (0xA0, 0xFF),  # ASCII, Latin-1 (names, addresses, ×, ·, ¥)
    (0x2010, 0x2044),  # dashes, quotes, bullet, ‰
    (0x20A0, 0x20BF),  # currency signs (€ ₩ ₹ …)
    (0x2100, 0x2122),
    (0x2190, 0x2193),
    (0x25A0, 0x25CF),  # □, printed for a character the fonts lack
    (0x3000, 0x303F),  # CJK punctuation (、。「」【】)
    (0xFF01, 0xFF5E),
    (0xFFE0, 0xFFE6),  # full-width forms (（），：￥)
]


def installed() -> bool:
    return all((FONTS_DIR / name).is_file() for name in SUBSETS)


def characters(every_hanzi: bool) -> str:
    chars = {chr(c) for a, b in RANGES for c in range(a, b + 1)}
    if every_hanzi:
        chars |= {chr(c) for c in range(0x4E00, 0xA000)}
    for hi in range(0xA1, 0xF8):  # every character of GB2312 (6,763 hanzi and symbols)
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # unassigned code points
                chars.add(bytes([hi, lo]).decode("gb2312"))
    return "".join(sorted(chars))


def download(url: str = ARCHIVE_URL) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 (a fixed https URL)
        return bytes(response.read())


def check(archive: bytes) -> None:
    algorithm, _, expected = ARCHIVE_SHA512.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, archive).digest()).decode()
    if actual != expected:
        raise ValueError(f"font archive's {algorithm} is {actual}, expected {expected}")


def subset(source: bytes, every_hanzi: bool) -> bytes:
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(source))
    options = ft_subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True  # a missing character shows a box, not nothing
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(text=characters(every_hanzi))
    subsetter.subset(font)
    for table in ("VORG", "vhea", "vmtx"):
        if table in font:
            del font[table]
    font["post"].formatType = 3.0  # no glyph names: smaller
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def install(archive: bytes, folder: Path | None = None) -> None:
    folder = folder or FONTS_DIR
    check(archive)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for name, (member, every_hanzi) in SUBSETS.items():
            extracted = tar.extractfile(member)
            if extracted is None:
                raise ValueError(f"{member} is not a file in the font archive")
            data = subset(extracted.read(), every_hanzi)
            # Written whole, then renamed: a killed install leaves no half font behind.
            with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as tmp:
                tmp.write(data)
            os.chmod(tmp.name, 0o644)
            os.replace(tmp.name, folder / name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--archive", type=Path, help="the npm archive, fetched elsewhere")
    parser.add_argument("--force", action="store_true", help="make them again")
    args = parser.parse_args(argv)
    if installed() and not args.force:
        return 0
    try:
        archive = args.archive.read_bytes() if args.archive else download()
        install(archive)
    except (OSError, ValueError) as exc:
        print(
            f"Could not install the quote PDF fonts: {exc}\n"
            f"Fetch {ARCHIVE_URL} and run "
            "python -m guanxi.modules.sales.fonts --archive FILE",
            file=sys.stderr,
        )
        return 1
    print(f"Installed {', '.join(SUBSETS)} in {FONTS_DIR}")
    return 0
