"""The exceptions of the data layer. API code maps them to problem details; the CLI prints them as one line."""


class ChitieuError(Exception):
    """Base of every error chitieu raises on purpose."""


class ConfigurationError(ChitieuError):
    """The environment is not usable: database unreachable, extension missing, port taken."""


class MigrationError(ChitieuError):
    """A migration failed or the database is ahead of this code."""
