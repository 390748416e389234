"""Public pages: home, sections, articles, search, contact and article feedback."""
