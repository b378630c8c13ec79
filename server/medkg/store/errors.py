"""Errors of the store layer that the command line and the server report to the user."""


class StoreOptionError(ValueError):
    """A --store value this version cannot serve (the message says what to give instead)."""
