"""The project's exception types and their exit codes (docs/architecture.md, "Contracts")."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_AUTH_REQUIRED = 3


class McpdeckError(Exception):
    """An error meant for the user: one line saying what, where, and what to do."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(McpdeckError):
    exit_code = EXIT_USAGE


class ConfigError(McpdeckError):
    """A configuration problem; ``file``/``line`` say where when known."""

    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        where = ""
        if file:
            where = file
            if line is not None:
                where += f":{line}"
                if column is not None:
                    where += f":{column}"
            where += ": "
        super().__init__(where + message, hint=hint)


class AuthRequired(McpdeckError):
    """The server needs a login (or a new one)."""

    exit_code = EXIT_AUTH_REQUIRED
