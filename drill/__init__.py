"""The two-site failover drill (``make drill``, ``python -m drill``).

Two "sites" on loopback, made fresh each time: a PostgreSQL primary and its
synchronous standby (``postgres``), a gunicorn app server and the
background jobs per site (``sites``), HAProxy in front (``haproxy``) and an
SMTP server receiving the mail (``mailsink``).  People use the help centre
through the balancer (``load``) while the sites suffer their faults
(``faults``); afterwards what they were told is compared with what the
databases and the mail server hold (``report``).  ``run`` puts it together.
"""
