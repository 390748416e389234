"""'Was this helpful?' votes: stored per article and language, one per browser session."""

import pytest
from sqlalchemy import select

from helpcenter.articles.models import ArticleFeedback
from helpcenter.articles.operations import feedback_tallies
from helpcenter.db import database

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def votes(app):
    with database(app).sessions() as session:
        return session.scalars(select(ArticleFeedback).order_by(ArticleFeedback.id)).all()


def vote(client, path, helpful, lang="en"):
    assert client.get(path).status_code == 200
    article = path.split("/", 2)[2]
    response = client.post(f"/{lang}/feedback", data={"article": article, "helpful": helpful}, headers=SAME_ORIGIN)
    assert response.status_code == 303, response.get_data(as_text=True)[-600:]
    return response


def test_a_vote_is_stored_and_acknowledged(app, client):
    response = vote(client, "/en/guide/first", "yes")
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/guide/first#feedback"
    [stored] = votes(app)
    assert (stored.article_id, stored.lang, stored.reader_lang, stored.helpful) == ("guide/first", "en", "en", True)
    assert len(stored.voter) == 64, "a hash of a random token, no personal data"
    html = client.get("/en/guide/first").get_data(as_text=True)
    assert "Thank you for your feedback." in html
    assert 'value="yes" aria-pressed="true"' in html


def test_one_vote_per_browser_session(app, client):
    vote(client, "/en/guide/first", "yes")
    vote(client, "/en/guide/first", "no")
    [stored] = votes(app)
    assert stored.helpful is False
    other_browser = app.test_client()
    vote(other_browser, "/en/guide/first", "yes")
    vote(client, "/fr/guide/first", "yes", lang="fr")
    tallies = {(t.article_id, t.lang): (t.helpful, t.not_helpful) for t in feedback_tallies(database(app).sessions())}
    assert tallies == {("guide/first", "en"): (1, 1), ("guide/first", "fr"): (1, 0)}


def test_a_fallback_vote_counts_for_the_language_read(app, client):
    vote(client, "/fr/guide/third", "no", lang="fr")
    [stored] = votes(app)
    assert (stored.lang, stored.reader_lang) == ("en", "fr")


def test_the_article_page_is_the_same_for_every_reader(app, client):
    """No per-reader token in the form: the page can be cached and shared."""
    first = client.get("/en/guide/first")
    other_reader = app.test_client().get("/en/guide/first")
    assert first.get_data() == other_reader.get_data()
    assert 'name="csrf_token"' not in first.get_data(as_text=True)
    assert "Set-Cookie" not in first.headers


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},
    ],
)
def test_votes_posted_from_another_site_are_refused(app, client, headers):
    response = client.post("/en/feedback", data={"article": "guide/first", "helpful": "yes"}, headers=headers)
    assert response.status_code == 403
    assert votes(app) == []


def test_votes_from_this_site_by_origin_alone_are_taken(app, client):
    response = client.post(
        "/en/feedback", data={"article": "guide/first", "helpful": "yes"}, headers={"Origin": "http://localhost"}
    )
    assert response.status_code == 303
    assert len(votes(app)) == 1


def test_votes_for_unknown_articles_or_values_are_refused(app, client):
    def post(article, helpful):
        return client.post("/en/feedback", data={"article": article, "helpful": helpful}, headers=SAME_ORIGIN)

    assert post("guide/nope", "yes").status_code == 404
    assert post("guide/_index", "yes").status_code == 404
    assert post("guide/first", "maybe").status_code == 400
    assert post("", "yes").status_code == 400
    assert votes(app) == []
