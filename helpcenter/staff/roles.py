"""The roles of staff accounts: an agent works the queue, an administrator also manages accounts."""

ROLES = ("agent", "admin")
