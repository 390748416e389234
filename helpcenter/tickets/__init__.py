"""Tickets: the form with its suggested articles, creation with the SLA deadline, tracking."""
