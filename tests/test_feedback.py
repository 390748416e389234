"""'Was this helpful?' votes: stored per article and language, one per browser session."""

from sqlalchemy import select

from helpcenter.articles.models import ArticleFeedback
from helpcenter.articles.operations import feedback_tallies
from helpcenter.db import database

from .conftest import csrf_token


def votes(app):
    with database(app).sessions() as session:
        return session.scalars(select(ArticleFeedback).order_by(ArticleFeedback.id)).all()


def vote(client, path, helpful, lang="en"):
    token = csrf_token(client.get(path).get_data(as_text=True))
    article = path.split("/", 2)[2]
    response = client.post(f"/{lang}/feedback", data={"csrf_token": token, "article": article, "helpful": helpful})
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


def test_votes_need_the_csrf_token(app, client):
    response = client.post("/en/feedback", data={"article": "guide/first", "helpful": "yes"})
    assert response.status_code == 400
    assert votes(app) == []


def test_votes_for_unknown_articles_or_values_are_refused(app, client):
    token = csrf_token(client.get("/en/guide/first").get_data(as_text=True))
    assert client.post("/en/feedback", data={"csrf_token": token, "article": "guide/nope", "helpful": "yes"}).status_code == 404
    assert client.post("/en/feedback", data={"csrf_token": token, "article": "guide/_index", "helpful": "yes"}).status_code == 404
    assert client.post("/en/feedback", data={"csrf_token": token, "article": "guide/first", "helpful": "maybe"}).status_code == 400
    assert votes(app) == []
