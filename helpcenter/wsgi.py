"""The WSGI application for production servers: ``gunicorn helpcenter.wsgi:app``.

Unlike the factory, this entry point does the start-up work: it loads the
content and brings the search index up to date before the server forks its
workers, so that every worker starts with both ready.
"""

import gc

from helpcenter import create_app
from helpcenter.library import content_store, search_service

app = create_app()
with app.app_context():
    library = content_store(app).load()
    search_service(app).ensure(library, wait=True)
# What is loaded now lives as long as the process: keep it out of the
# collector's sight, so that collections in the workers do not copy the
# pages they share with the master.
gc.freeze()
