"""Every error chitieu raises on purpose, in one tree. The API answers each with one problem type and status
(api/problem_types.py: PROBLEM_OF_ERROR), the `chitieu` command prints it as one line (api/cli_errors.py).

    ChitieuError                       root; its message is for the user, Vietnamese first, English beside
    ├── InvalidInput                   400 unreadable-body: what was sent cannot be read or used
    │   ├── NumberFormatError          a number not written in the stated convention (indicators.numbers); a ValueError
    │   ├── PeriodError                a period that is not one, or outside 1900-2100 (indicators.periods); a ValueError
    │   ├── InputError                 a body or file the readers refuse (ingest.formats)
    │   │   ├── WorkbookRefused        415 unsupported-media-type: a workbook that is encrypted, macro-enabled, corrupt
    │   │   │                          (ingest.workbook_file)
    │   │   └── WorkbookTooLarge       413 payload-too-large: a workbook that unpacks past the limit
    │   ├── UnsupportedMediaType       415 unsupported-media-type: a body neither JSON, CSV nor a workbook (ingest.submit)
    │   ├── BatchRejected              422 invalid-rows: rows invalid in an atomic batch (ingest.observations)
    │   ├── TooManyRows                413 too-many-rows: more rows than one batch may hold (ingest.observations)
    │   ├── KeyScopeError              a key asked for with no office or with unknown regions or programmes
    │   └── DraftCommandError          a document the drafter cannot take (api.draft_cli)
    ├── CatalogueError                 the catalogue does not validate: one `file:line: field: message` per issue
    │                                  (indicators.catalogue; the CLI prints every issue, one per line)
    ├── CatalogueLoadRefused           409 conflict: loading would drop indicators with data (ingest.catalogue_store)
    ├── NotFound                       404 not-found: a code the catalogue does not have
    │   └── UnknownProgramme           (api.report.load)
    ├── ScopeError                     403 out-of-scope: rows or reads outside the key's regions or programmes
    │   └── OutOfScope                 rows of a batch outside the key's scope (ingest.observations)
    ├── ConfigurationError             503 not-ready: the environment is not usable (database, extension, port, setting)
    │   └── MigrationError             a migration failed or the database is ahead of this code
    └── OperationFailed                500 internal-error: a command's own operation failed
        ├── BackupError                pg_dump or pg_restore failed (ingest.backup)
        ├── SpoolError                 the push spool cannot be used (api.spool)
        ├── PushFailed                 a push stopped: wrong key, server not found (api.push_client)
        └── FileNotQueued              a file that cannot be read whole; none of it spooled (api.push_client)

Classes without a status here are never raised inside a request. This module imports nothing of chitieu, so any
layer may raise these errors.
"""


class ChitieuError(Exception):
    """Base of every error chitieu raises on purpose."""


class InvalidInput(ChitieuError):
    """What was sent (a body, a file, an argument) cannot be read or used; the caller can fix it."""


class CatalogueLoadRefused(ChitieuError):
    """Loading the catalogue would lose data: refused, nothing changed."""


class NotFound(ChitieuError):
    """A code (programme, indicator, region, task) that the catalogue does not have."""


class ScopeError(ChitieuError):
    """Outside the key's regions or programmes: nothing was written or read."""


class ConfigurationError(ChitieuError):
    """The environment is not usable: database unreachable, extension missing, port taken, a bad setting."""


class MigrationError(ConfigurationError):
    """A migration failed or the database is ahead of this code."""


class OperationFailed(ChitieuError):
    """A command's own operation (backup, push, spool) failed; its message says what to do."""
