"""The floor for ``make bench``: the smallest Flask app, answering one fixed HTML page."""

from flask import Flask

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Minimal page</title></head>
<body><main><h1>Minimal page</h1><p>A fixed page, the floor of what Flask can serve.</p></main></body>
</html>
"""

app = Flask(__name__)


@app.route("/")
def page() -> str:
    """The fixed page."""
    return PAGE
