"""The staff console: login, the queue against the SLA, tickets, reports, translations."""
