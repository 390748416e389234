"""The OpenAPI document of ``/api/v1``, kept beside the endpoints it describes."""

from __future__ import annotations

from helpcenter.content import SECTIONS
from helpcenter.search.params import MAX_PAGE, MAX_PER_PAGE


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _query(name: str, schema: dict, description: str | None = None) -> dict:
    """An optional query parameter whose empty value means "not given"."""
    parameter = {"name": name, "in": "query", "required": False, "allowEmptyValue": True, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


def openapi_document(languages: tuple[str, ...], default_language: str, server: str) -> dict:
    """The document, for the site's languages and address."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Help centre API",
            "version": "1.0.0",
            "description": "Search the help centre's articles (questions and answers, user guide, tutorials).",
        },
        "servers": [{"url": server}],
        "paths": {
            "/api/v1/search": {
                "get": {
                    "operationId": "searchArticles",
                    "summary": "Search articles in one language",
                    "description": (
                        "Ranked full-text search with stemming, accent folding and typo tolerance. "
                        "Any text is a valid query; quoted words are searched as a phrase. When the "
                        "language has no result, results from other languages are returned, each "
                        "with its own `lang`."
                    ),
                    # Every parameter is optional, and an empty value is the same as leaving it
                    # out (``lang=`` is the default language), as a plain HTML form sends it.
                    "parameters": [
                        _query("q", {"type": "string"}, "The words to look for."),
                        _query(
                            "lang",
                            {"type": "string", "enum": list(languages), "default": default_language},
                            "The language searched.",
                        ),
                        _query("section", {"type": "string", "enum": list(SECTIONS)}, "Only articles of this section."),
                        _query(
                            "product",
                            {"type": "string", "pattern": r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$"},
                            "Only tutorials of this product (its name in URLs).",
                        ),
                        _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}),
                        _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 10}),
                        _query(
                            "as_you_type",
                            {"type": "boolean", "default": False},
                            "The text is still being typed: its last word may be the start of a word.",
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of results.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SearchResults"}}},
                        },
                        "400": _error_response("A parameter is malformed."),
                        "429": _error_response("Too many searches from this client; try again in a minute."),
                        "503": _error_response("The search index is being built; try again shortly."),
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "SearchResults": {
                    "type": "object",
                    "required": ["query", "lang", "total", "page", "per_page", "suggestion", "results"],
                    "properties": {
                        "query": {"type": "string"},
                        "lang": {"type": "string", "enum": list(languages)},
                        "total": {"type": "integer", "minimum": 0},
                        "page": {"type": "integer", "minimum": 1},
                        "per_page": {"type": "integer", "minimum": 1},
                        "suggestion": {"type": ["string", "null"], "description": "A corrected query to offer."},
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/SearchResult"}},
                    },
                },
                "SearchResult": {
                    "type": "object",
                    "required": ["id", "lang", "title", "url", "section", "product", "snippet_html", "score"],
                    "properties": {
                        "id": {"type": "string", "description": "Path below the language folder, without .md."},
                        "lang": {"type": "string", "enum": list(languages)},
                        "title": {"type": "string"},
                        "url": {"type": "string"},
                        "section": {"type": ["string", "null"], "enum": [*SECTIONS, None]},
                        "product": {"type": ["string", "null"]},
                        "snippet_html": {"type": "string", "description": "Escaped text; matches in <mark>."},
                        "score": {"type": "number"},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "parameter": {"type": "string"},
                            },
                        }
                    },
                },
            }
        },
    }
