"""The interface catalogues: complete in every language, no fuzzy entry, same placeholders."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from helpcenter.catalogues import catalogue_problems
from helpcenter.config import LANGUAGES, SOURCE_LANGUAGE

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
TRANSLATED = [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogue_is_complete(lang):
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    assert path.exists()
    assert catalogue_problems(path) == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogue_covers_every_extracted_message(lang):
    assert ids(TRANSLATIONS / "messages.pot") - ids(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po") == set()


def test_the_template_holds_every_message_of_the_code(tmp_path):
    """``make translations`` was run after the last string was added: no message reaches readers untranslated."""
    extracted = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    command = [str(pybabel), "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-o", str(extracted), "."]
    subprocess.run(command, cwd=TRANSLATIONS.parent, check=True, capture_output=True)
    assert ids(extracted) - ids(TRANSLATIONS / "messages.pot") == set(), "run `make translations` and translate"


def ids(catalogue: Path) -> set[str]:
    with catalogue.open("rb") as handle:
        return {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle)} - {""}


def broken_copy(tmp_path, old, new):
    source = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"
    copy = tmp_path / "messages.po"
    shutil.copy(source, copy)
    text = copy.read_text(encoding="utf-8")
    assert old in text
    copy.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def test_an_untranslated_entry_fails(tmp_path):
    copy = broken_copy(tmp_path, 'msgid "Search"\nmsgstr "Rechercher"', 'msgid "Search"\nmsgstr ""')
    assert [problem.split(": ", 1)[1] for problem in catalogue_problems(copy)] == ["'Search' is not translated"]


def test_a_fuzzy_entry_fails(tmp_path):
    copy = broken_copy(tmp_path, 'msgid "Search"\n', '#, fuzzy\nmsgid "Search"\n')
    assert [problem.split(": ", 1)[1] for problem in catalogue_problems(copy)] == ["'Search' is fuzzy"]


def test_a_changed_placeholder_fails(tmp_path):
    copy = broken_copy(tmp_path, "horaire\xa0: %(zone)s", "horaire\xa0: %(zona)s")
    [problem] = catalogue_problems(copy)
    assert "placeholders ['%(zona)s'], expected ['%(zone)s']" in problem
