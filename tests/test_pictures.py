"""Content pictures: their size read from the files, their addresses by digest, and a version per language."""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest
from PIL import Image

from helpcenter.content import load_library
from helpcenter.content.pictures import picture_size

from .helpers import TEST_CONTENT

LANGUAGES = ("en", "fr", "de", "es", "it", "pt")


def encoded(format: str, size=(37, 23), mode="RGB", **options) -> bytes:
    """A real picture of ``size`` in ``format``, as Pillow writes it."""
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 80, 20, 128)[: len(mode)]).save(buffer, format=format, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("suffix", "data"),
    [
        (".png", encoded("PNG")),
        (".gif", encoded("GIF")),
        (".jpg", encoded("JPEG")),
        (".jpeg", encoded("JPEG", progressive=True, exif=b"Exif\x00\x00" + b"\x00" * 2000)),
        (".webp", encoded("WEBP")),
        (".webp", encoded("WEBP", lossless=True)),
        (".webp", encoded("WEBP", mode="RGBA")),
    ],
    ids=["png", "gif", "jpeg", "jpeg-progressive-exif", "webp-lossy", "webp-lossless", "webp-extended"],
)
def test_the_size_of_a_picture_is_read_from_its_own_bytes(suffix, data):
    assert picture_size(data, suffix) == (37, 23)


@pytest.mark.parametrize(
    ("root", "size"),
    [
        ('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400">', (600, 400)),
        ('<svg xmlns="http://www.w3.org/2000/svg" width="120px" height="80.4px" viewBox="0 0 10 10">', (120, 80)),
        ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 620 360">', (620, 360)),
        ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0,0,300,150" width="600">', (600, 300)),
        ('<svg xmlns="http://www.w3.org/2000/svg" height="50" viewBox="0 0 300 150">', (100, 50)),
        ('<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="100%" viewBox="0 0 64 32">', (64, 32)),
        ("<svg xmlns='http://www.w3.org/2000/svg' width='20em' height='10em'>", None),
        ('<svg xmlns="http://www.w3.org/2000/svg">', None),
    ],
)
def test_the_size_of_an_svg_comes_from_its_root(root, size):
    document = f'<?xml version="1.0"?>\n<!-- drawn by hand -->\n{root}<rect width="1" height="1"/></svg>'
    assert picture_size(document.encode(), ".svg") == size


@pytest.mark.parametrize(
    ("suffix", "data"),
    [(".png", b"\x89PNG\r\n\x1a\n"), (".jpg", b"\xff\xd8\xff"), (".gif", b"GIF89a"), (".webp", b"RIFF"), (".svg", b"")],
)
def test_a_broken_picture_has_no_size_and_raises_nothing(suffix, data):
    assert picture_size(data, suffix) is None
    assert picture_size(encoded("PNG"), ".jpg") is None, "read by its suffix's format only"


@pytest.fixture
def tree(tmp_path):
    """A tree with a photo, a diagram with words in German and French versions, and a PDF."""
    content = tmp_path / "content"
    for lang in LANGUAGES:
        (content / lang / "guide").mkdir(parents=True)
    assets = content / "assets"
    (assets / "de").mkdir(parents=True)
    (assets / "fr").mkdir()
    (assets / "photo.png").write_bytes(encoded("PNG", size=(800, 600)))
    (assets / "map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><text>Alert</text></svg>'
    )
    (assets / "de" / "map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><text>Alarm</text></svg>'
    )
    (assets / "fr" / "map.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><text>Alerte</text></svg>'
    )
    (assets / "de" / "only-german.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 4"/>')
    (assets / "manual.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    body = (
        "![The map > legend](../../assets/map.svg)\n\n"
        "![A photo](../../assets/photo.png){ width=200 }\n\n"
        "![Tall](../../assets/photo.png){ width=30 height=90 }\n\n"
        "[The manual](../../assets/manual.pdf#page=2)\n"
    )
    for lang in LANGUAGES:
        (content / lang / "guide" / "zones.md").write_text(f"# Zones {lang}\n\n{body}")
    (content / "de" / "guide" / "german.md").write_text("# Nur Deutsch\n\n![Karte](../../assets/only-german.svg)\n")
    (content / "en" / "guide" / "german.md").write_text("# German only\n\n![Map](../../assets/only-german.svg)\n")
    return content


def images(html: str) -> list[str]:
    return re.findall(r"<img [^>]*>", html)


def test_pictures_get_their_size_and_the_version_of_their_language(tree):
    library = load_library(tree, LANGUAGES)
    assets = library.assets
    shared, german, french = assets.get("map.svg"), assets.get("de/map.svg"), assets.get("fr/map.svg")
    assert len({shared.digest, german.digest, french.digest}) == 3
    for lang, version in (("en", shared), ("de", german), ("fr", french), ("es", shared)):
        html = library.exact(lang, "guide/zones").html
        found = images(html)
        assert f'alt="The map &gt; legend" src="{version.url}" width="300" height="200"' in found[0], lang
    html = library.exact("en", "guide/zones").html
    photo = assets.get("photo.png")
    assert photo.url == f"/assets/photo.{photo.digest}.png" and photo.size == (800, 600)
    assert f'src="{photo.url}" width="200" height="150"' in html, "a width the author gave sets the height"
    assert f'<img alt="Tall" height="90" src="{photo.url}" width="30">' in html, "both given: both kept"
    manual = assets.get("manual.pdf")
    assert f'href="/assets/manual.{manual.digest}.pdf#page=2"' in html
    assert (
        f'src="{assets.get("de/only-german.svg").url}" width="8" height="4"' in library.exact("de", "guide/german").html
    )


def test_the_check_lists_the_pictures_a_language_lacks(app_factory, tree):
    runner = app_factory(CONTENT_DIR=str(tree), index=False).test_cli_runner()
    result = runner.invoke(args=["content", "check"])
    lines = result.output.splitlines()
    for lang in ("es", "it", "pt"):
        assert (
            f"assets/{lang}/map.svg: warning: no {lang} version: {lang} pages show the shared assets/map.svg "
            "(own versions in fr, de)"
        ) in lines
        assert f"pictures without a {lang} version: map.svg" in lines
    assert not any(line.startswith(("assets/en/", "assets/de/", "assets/fr/")) for line in lines)
    assert not any("photo.png" in line for line in lines), "a picture no language has a version of has no words"
    # The English page shows a picture that only German has: broken for English readers.
    assert "en/guide/german.md:3: error: ../../assets/only-german.svg: no such file in content/assets/" in lines
    assert not any(line.startswith("de/guide/german.md") for line in lines)

    report = json.loads(runner.invoke(args=["content", "check", "--format", "json"]).output)
    assert report["missing_asset_versions"] == {"es": ["map.svg"], "it": ["map.svg"], "pt": ["map.svg"]}
    warnings = [problem for problem in report["problems"] if problem["path"].startswith("assets/")]
    assert {problem["severity"] for problem in warnings} == {"warning"}


def test_a_language_version_is_served_by_its_own_address(app_factory, tree):
    app = app_factory(CONTENT_DIR=str(tree), index=False)
    client = app.test_client()
    html = client.get("/de/guide/zones").get_data(as_text=True)
    src = re.search(r'src="(/assets/de/map\.[0-9a-f]{12}\.svg)" width="300" height="200"', html)
    assert src, "the German page shows the German picture"
    answer = client.get(src.group(1))
    assert b"Alarm" in answer.get_data()
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"Alarm" in client.get("/assets/de/map.svg").get_data(), "the plain address still answers"
    assert b"Alert" in client.get("/assets/map.svg").get_data()
    with client.get(re.search(r'href="(/assets/manual\.[0-9a-f]{12}\.pdf)', html).group(1)) as manual:
        assert manual.headers["Content-Disposition"].startswith("attachment"), "PDFs are still downloaded, never shown"


def test_without_the_file_a_picture_keeps_the_link_it_was_written_with(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, content)
    shutil.rmtree(content / "assets")
    library = load_library(content, ("en", "fr", "de"))
    assert len(library.assets) == 0
    assert 'src="/assets/diagram.svg"' in library.exact("en", "guide/first").html, "a missing file keeps its link"
