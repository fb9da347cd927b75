"""Installing the quote PDF's fonts: a pinned download, refused when it is not the one pinned."""

import io
import tarfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from guanxi.modules.sales import fonts


def test_subsets_cover_gb2312_and_regular_covers_rare_name_characters() -> None:
    regular = TTFont(fonts.FONTS_DIR / fonts.REGULAR).getBestCmap()
    bold = TTFont(fonts.FONTS_DIR / fonts.BOLD).getBestCmap()
    for text in ("北京字节跳动科技有限公司", "报价单（含税）：￥1,234.00 ‰ €"):
        assert all(ord(char) in regular and ord(char) in bold for char in text)
    rare = "喆堃昇珺镕"  # in GBK, not GB2312: people and companies have them in their names
    assert all(ord(char) in regular for char in rare)
    assert not all(ord(char) in bold for char in rare)  # Bold stays at GB2312 (pdf.py falls back)
    assert ord("□") in regular  # printed for a character neither font has


def test_an_archive_other_than_the_pinned_one_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        data = b"not a font"
        info = tarfile.TarInfo(fonts.SUBSETS[fonts.REGULAR][0])
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ValueError, match="sha512"):
        fonts.install(buffer.getvalue(), tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_command_explains_how_to_install_offline_when_it_cannot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(fonts, "FONTS_DIR", tmp_path)  # as on a server without the fonts
    assert fonts.main(["--archive", str(tmp_path / "missing.tgz")]) == 1
    assert "--archive FILE" in capsys.readouterr().err
