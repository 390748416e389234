"""Gunicorn settings for `make serve` and for deployments (override with GUNICORN_* variables)."""

import multiprocessing
import os

wsgi_app = "helpcenter.wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
# Content and the search index are loaded once, in the master, before forking.
preload_app = True
timeout = 30
graceful_timeout = 20
# Workers are not recycled by default: what they keep (rendered pages, open
# searchers) is bounded, and a recycled worker starts over with none of it.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 0))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
# Private links carry tokens: the access log never shows them.
logger_class = "helpcenter.logs.RedactingLogger"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
