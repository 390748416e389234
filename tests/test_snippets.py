"""Snippets: the passages of a page that matched a search, marked and escaped."""

import pytest

from helpcenter.search import snippets
from helpcenter.search.analysis import WORD, word_terms
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


@pytest.mark.parametrize(
    "lang, body, typed",
    [
        (
            "en",
            "Using it, he uses the [c]reate option to E[x]tract Lis[t]ed files. Happy happiness, HAPPILY.",
            "use create extract listed happy",
        ),
        (
            "de",
            "Die GRÖSSTEN Dateien, die größten Straßen; eine Straße, zwei STRASSEN. Übersicht über Größe.",
            "grössten strasse ubersicht grosse",
        ),
        (
            "fr",
            "L'Éclair et les éclairs ; l’alerte, les alertes. Le cœur des nœuds, Œuvre.",
            "eclair alerte coeur noeud oeuvre",
        ),
        ("es", "Notificación y notificaciones; NOTIFICACIÓN de la niña.", "notificacion nina"),
        ("pt", "Notificações da função; notificação, FUNÇÕES.", "notificacoes funcao"),
        ("it", "Dell'allerta della città; le allerte delle CITTÀ.", "allerta citta"),
        (
            "en",
            "Кириллица and ΕΛΛΗΝΙΚΆ beside ascii words; İstanbul, ﬁle and ＦＵＬＬ width.",
            "ascii words istanbul file full",
        ),
    ],
)
def test_the_words_marked_are_those_that_analysing_every_word_finds(monkeypatch, lang, body, typed):
    """The scan that picks the words to analyse leaves out none that analysis would mark."""
    query = terms(lang, *typed.split())
    fast = snippet(body, query, lang)
    monkeypatch.setattr(snippets, "_candidates", lambda text, _terms: WORD.finditer(text))
    assert fast == snippet(body, query, lang)
    assert "<mark" in fast
