"""Language negotiation, the saved choice and the switcher."""

import pytest


@pytest.mark.parametrize(
    "headers, cookie, expected",
    [
        ({}, None, "/en/"),
        ({"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}, None, "/de/"),
        ({"Accept-Language": "pt-BR"}, None, "/pt/"),
        ({"Accept-Language": "ja, fr-CA;q=0.5"}, None, "/fr/"),
        ({"Accept-Language": "ja"}, None, "/en/"),
        ({"Accept-Language": "de"}, "it", "/it/"),
        ({"Accept-Language": "de"}, "xx", "/de/"),
    ],
)
def test_root_redirects_by_saved_choice_then_accept_language(client, headers, cookie, expected):
    if cookie:
        client.set_cookie("hc_lang", cookie)
    response = client.get("/", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == expected
    assert "Accept-Language" in response.headers["Vary"]


def test_switcher_saves_the_choice_and_keeps_the_page(client):
    html = client.get("/en/guide/first").get_data(as_text=True)
    assert 'href="/language/fr?next=/en/guide/first"' in html
    response = client.get("/language/fr?next=/en/guide/first")
    assert response.status_code == 302
    assert response.headers["Location"] == "/fr/guide/first"
    assert "hc_lang=fr" in response.headers["Set-Cookie"]
    assert client.get("/", headers={"Accept-Language": "de"}).headers["Location"] == "/fr/"


def test_switcher_keeps_the_query(client):
    response = client.get("/language/de?next=/en/search%3Fq%3Dwidget")
    assert response.headers["Location"] == "/de/search?q=widget"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_switcher_is_no_open_redirect(client, target):
    response = client.get("/language/es", query_string={"next": target})
    assert response.headers["Location"] == "/es/"


def test_switcher_refuses_unknown_languages(client):
    assert client.get("/language/xx?next=/en/").status_code == 404


@pytest.mark.parametrize(
    "lang, words",
    [
        ("en", ["User guide", "Questions and answers", "Contact support", "Search"]),
        ("fr", ["Guide de l’utilisateur", "Questions et réponses", "Contacter le support"]),
        ("de", ["Benutzerhandbuch", "Fragen und Antworten"]),
        ("es", ["Guía del usuario", "Preguntas y respuestas"]),
        ("it", ["Guida utente", "Domande e risposte"]),
        ("pt", ["Guia do utilizador", "Perguntas e respostas"]),
    ],
)
def test_interface_is_in_the_language_of_the_url(client, lang, words):
    html = client.get(f"/{lang}/guide/").get_data(as_text=True)
    for word in words:
        assert word in html


def test_non_prefixed_pages_negotiate(client):
    response = client.get("/xx/nothing", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    assert '<html lang="es"' in response.get_data(as_text=True)


def test_switching_language_on_a_page_without_prefix_stays_there(client):
    response = client.get("/language/de?next=/staff/login")
    assert response.headers["Location"] == "/staff/login"
    assert "hc_lang=de" in response.headers["Set-Cookie"]
    assert '<html lang="de"' in client.get("/staff/login").get_data(as_text=True)
