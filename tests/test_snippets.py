"""Snippets: the passages of a page that matched a search, marked and escaped."""

from helpcenter.search.analysis import word_terms
from helpcenter.search.snippets import BETWEEN, SNIPPET_CHARS, snippet


def terms(lang, *words):
    return {term for word in words for term in word_terms(lang, word)}


def test_inflections_and_accents_are_marked_as_the_index_matches_them():
    html = snippet("Les alertes de l'éclair arrivent vite.", terms("fr", "alerte", "eclair"), "fr")
    assert '<mark class="match term0">alertes</mark>' in html
    assert '<mark class="match term1">l&#x27;éclair</mark>' in html


def test_text_is_escaped_around_the_marks():
    html = snippet("If a < b then <script>alert(1)</script> the zone grows.", terms("en", "zone"), "en")
    assert "&lt;script&gt;" in html and "<script" not in html
    assert '<mark class="match term0">zone</mark>' in html


def test_the_passages_with_the_most_different_words_are_shown_in_page_order():
    filler = " ".join(["weather"] * 60)
    body = f"radius once. {filler} alert zone radius together. {filler} zone again. {filler} the alert zone end."
    html = snippet(body, terms("en", "alert", "zone", "radius"), "en")
    passages = html.split(BETWEEN)
    assert len(passages) == 2
    assert "together" in passages[0] and "end" in passages[1]
    assert "once" not in html and "again" not in html
    for passage in passages:
        plain = passage.replace('<mark class="match term0">', "").replace('<mark class="match term1">', "")
        plain = plain.replace('<mark class="match term2">', "").replace("</mark>", "")
        assert len(plain) <= SNIPPET_CHARS
        assert body.find(plain) != -1, "a passage is a run of whole words of the page"
        assert not plain.startswith(" ") and not plain.endswith(" ")


def test_without_a_match_the_start_of_the_page_is_shown():
    body = "Storm maps " * 40
    html = snippet(body, terms("en", "invoice"), "en")
    assert "<mark" not in html and html.endswith(" …") and len(html) <= SNIPPET_CHARS + 2
    assert snippet("", terms("en", "invoice"), "en") == ""
