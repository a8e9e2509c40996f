"""Grafana's expansion of a PostgreSQL query, so that dashboard and alert queries can be run outside Grafana.

Grafana expands a query in two stages, reproduced here:

1. In the browser, template variables: `$var`, `[[var]]`, `${var}` and `${var:format}` (Grafana's TemplateSrv). With no
   format, the SQL data source's `interpolateVariable` decides: a single value has its quotes doubled and is not
   quoted; several values (or a multi-value / include-all variable) are each quoted and joined with commas. The
   `sqlstring` format always quotes each value and joins them with commas. Names that are not variables
   (`$__timeFilter`...) are left alone.
2. On the server, macros `$__name(args)` (pkg/tsdb/grafana-postgresql-datasource/macros.go): `$__time(c)` becomes
   `c AS "time"`, `$__timeFilter(c)` becomes `c BETWEEN '<from>' AND '<to>'`, `$__timeFrom()` and `$__timeTo()` the
   quoted bounds, all as RFC 3339 in UTC with the fraction of a second only when there is one. An unknown macro is an
   error there, and here.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

# Grafana's variable syntax (public/app/features/variables/utils.ts, variableRegex).
VARIABLE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}")
# The macro engine's pattern: the arguments end at the first closing parenthesis, so they cannot contain one.
MACRO = re.compile(r"\$([_a-zA-Z0-9]+)\(([^\)]*)\)")


class MacroError(ValueError):
    pass


@dataclass(frozen=True)
class Variable:
    """The current value(s) of a template variable; `multi` for multi-value or include-all variables."""

    values: tuple[str, ...]
    multi: bool = False

    @classmethod
    def single(cls, value: str) -> "Variable":
        return cls((value,))

    @classmethod
    def several(cls, *values: str) -> "Variable":
        return cls(tuple(values), multi=True)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _format(variable: Variable, format_id: str | None) -> str:
    if format_id == "sqlstring":
        return ",".join(_quote(value) for value in variable.values)
    if format_id is not None:
        raise MacroError(f"variable format {format_id!r} is not reproduced here")
    if variable.multi or len(variable.values) != 1:
        return ",".join(_quote(value) for value in variable.values)
    return variable.values[0].replace("'", "''")


def interpolate_variables(sql: str, variables: Mapping[str, Variable]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        if name not in variables:
            return match.group(0)
        if match.group(5):
            raise MacroError(f"variable field paths (${{{name}.{match.group(5)}}}) are not reproduced here")
        return _format(variables[name], match.group(3) or match.group(6))

    return VARIABLE.sub(replace, sql)


def rfc3339nano(moment: datetime) -> str:
    """Go's time.RFC3339Nano of the instant in UTC: trailing zeros of the fraction dropped, no fraction if zero."""
    utc = moment.astimezone(UTC)
    fraction = f"{utc.microsecond:06d}".rstrip("0")
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def interpolate_macros(sql: str, time_from: datetime, time_to: datetime) -> str:
    start, end = rfc3339nano(time_from), rfc3339nano(time_to)

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        args = [arg.strip(" ") for arg in match.group(2).split(",")]
        match name:
            case "__time" | "__timeEpoch" | "__timeFilter" if not args[0]:
                raise MacroError(f"missing time column argument for macro {name}")
            case "__time":
                return f'{args[0]} AS "time"'
            case "__timeEpoch":
                return f'extract(epoch from {args[0]}) as "time"'
            case "__timeFilter":
                return f"{args[0]} BETWEEN '{start}' AND '{end}'"
            case "__timeFrom":
                return f"'{start}'"
            case "__timeTo":
                return f"'{end}'"
            case _:
                raise MacroError(f"macro {name!r} is not reproduced here (Grafana: unknown or unsupported)")

    return MACRO.sub(replace, sql)


def expand(sql: str, time_from: datetime, time_to: datetime, variables: Mapping[str, Variable] | None = None) -> str:
    """The SQL Grafana sends to PostgreSQL for this query, time range and variable values."""
    return interpolate_macros(interpolate_variables(sql, variables or {}), time_from, time_to)
