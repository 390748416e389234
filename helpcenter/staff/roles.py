"""The roles of staff accounts: agents work the tickets; administrators also manage accounts and organisations.

Kept apart from the models so that the command line can offer the roles
without importing the database layer.
"""

ROLES = ("agent", "admin")
