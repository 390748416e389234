"""The translation matrix for editors, with what changed in the sources of stale ones."""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from helpcenter.content import MISSING, OK, ORPHAN, STALE
from helpcenter.content.frontmatter import split_front_matter
from helpcenter.content.history import source_diff
from helpcenter.library import current_library

from . import bp

STATUSES = (OK, MISSING, STALE, ORPHAN)


@bp.route("/translations")
def translations():
    """Every page in every language: ok, missing, stale or orphan; filterable."""
    library = current_library()
    languages = library.languages
    wanted_lang = request.args.get("lang", "")
    wanted_status = request.args.get("status", "")
    shown = [lang for lang in languages if not wanted_lang or lang == wanted_lang]
    rows = []
    for page_id in library.page_ids:
        cells = {lang: library.status(page_id, lang) for lang in languages}
        if wanted_status and not any(cells[lang] == wanted_status for lang in shown):
            continue
        rows.append((page_id, cells))
    counts = {status: sum(cells[lang] == status for _id, cells in rows for lang in shown) for status in STATUSES}
    return render_template(
        "staff/translations.html",
        rows=rows,
        languages=shown,
        all_languages=languages,
        statuses=STATUSES,
        wanted_lang=wanted_lang,
        wanted_status=wanted_status,
        counts=counts,
        source_language=library.source_language,
    )


@bp.route("/translations/<lang>/<path:page_id>/diff")
def translation_diff(lang: str, page_id: str):
    """What changed in the source of a stale translation since it was translated."""
    library = current_library()
    if lang not in current_app.config["LANGUAGES"] or library.status(page_id, lang) != STALE:
        abort(404)
    translation = library.exact(lang, page_id)
    source = library.exact(library.source_language, page_id)
    if translation.source_revision is None:
        diff = None
    else:
        _meta, body, _line = split_front_matter(source.path.read_text(encoding="utf-8"))
        diff = source_diff(source.path, translation.source_revision, body)
    return render_template("staff/translation_diff.html", translation=translation, source=source, diff=diff)
