"""The ``helpcenter`` script.

Every command runs in the app's command group (:mod:`helpcenter.cli`) but
the one an editor runs after each save: ``helpcenter index build`` first
updates the index from the files changed since it was built, with the
settings alone and without importing the web framework (a fifth of the
half second the command took after one edit).  When that cannot be done
(no index yet, many files changed, a setting that is wrong), the command
group runs the command as usual, loading the whole library and reporting
any error in its own words.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command named on the command line."""
    if sys.argv[1:] == ["index", "build"]:
        report = _update_from_changed_files()
        if report is not None:
            print(report.line())
            return
    from helpcenter.cli import main as commands

    commands()


def _update_from_changed_files():
    from helpcenter.config import ConfigError, default_instance_path, settings_from_env

    instance = default_instance_path()
    if instance is None:
        return None
    try:
        settings = settings_from_env(instance)
    except ConfigError:
        return None
    from helpcenter.search.refresh import update_from_changed_files

    return update_from_changed_files(settings["CONTENT_DIR"], settings["LANGUAGES"], settings["INDEX_DIR"])
