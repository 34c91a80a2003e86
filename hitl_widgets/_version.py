"""The package version; js/ (package.json) carries the same one, checked by tests."""

__version__ = "0.1.0"
