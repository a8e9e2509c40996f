"""The SQL the Grafana dashboards share: `PanelQuery`, literals and labels, the board's joins and the template
variables. Each dashboard kind's own queries sit beside its builder (overview, indicator, regions, tasks, timeliness,
alerts; the Grafana alert rules' queries in alerting).

Each query is a `PanelQuery`: the exact text Grafana runs (with its macros and template variables still in it) and the
columns the panel reads. The dashboards are built from these objects and the tests run the same strings, expanded as
Grafana expands them (tests/grafana_macros.py), against TimescaleDB as the read-only role.

The queries read the board as the status engine last wrote it (indicator_status, indicator_path) rather than judge
anything in SQL, so what a leader sees is what the engine computed. Reported values and the target path are placed at
the end of their period (the first instant after it, in Vietnam); nothing is bucketed with `$__timeGroup`, whose
fixed-length buckets do not start on 1 January.

Column names are the Vietnamese headers the tables show; `ma_*` columns carry codes (the panels hide them) and the
"Chi tiết" column the link to an indicator's detail. Numbers leave the database rounded to the decimals of their unit
(indicators/units.py) as `numeric`, which has no negative zero: a leader never sees "-0" or "0.30000000000000004".
Charts draw one series per kind of period, so a year's figure is not joined to the first quarter's.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from dashboards.grafana.sql_query import SqlFormat
from dashboards.grafana.vocabulary import (
    APPROXIMATELY_ACHIEVED,
    BASIS_LABELS,
    FREQUENCY_LABELS,
    GROUP_LABELS,
    OBSERVATION_STATUS_LABELS,
    PROJECTION_MEETS,
    PROJECTION_MISSES,
    REPORT_ON_TIME,
    REPORT_OVERDUE,
    STATUS_DISPLAY_ORDER,
    STATUS_LABELS,
    STATUS_SEVERITY,
)
from indicators.clock import VIETNAM_ZONE_NAME
from indicators.model import Group
from indicators.periods import Frequency
from indicators.units import UNITS

TIMEZONE = VIETNAM_ZONE_NAME

# Template variables, in the `sqlstring` format: every value quoted as an SQL literal, several joined by commas.
# Several values are matched with `= ANY (ARRAY[...]::text[])`, which also holds when nothing is selected.
PROGRAMMES = "${programme:sqlstring}"
INDICATOR = "${indicator:sqlstring}"
REGION = "${region:sqlstring}"
AGENCIES = "${agency:sqlstring}"


@dataclass(frozen=True)
class PanelQuery:
    sql: str
    format: SqlFormat
    columns: tuple[str, ...]


def table(sql: str, *columns: str) -> PanelQuery:
    return PanelQuery(sql.strip(), SqlFormat.table, columns)


def series(sql: str, *columns: str) -> PanelQuery:
    return PanelQuery(sql.strip(), SqlFormat.time_series, ("time", *columns))


def literal(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def case(expression: str, labels: Mapping[str, str | int], default: str = "NULL") -> str:
    whens = " ".join(
        f"WHEN {literal(code)} THEN {value if isinstance(value, int) else literal(value)}"
        for code, value in labels.items()
    )
    return f"CASE {expression} {whens} ELSE {default} END"


def status_label(expression: str = "s.status") -> str:
    return case(expression, STATUS_LABELS, expression)


def status_severity(expression: str = "s.status") -> str:
    return case(expression, STATUS_SEVERITY, "0")


STATUS_COLUMNS = tuple(status.label_vi for status in STATUS_DISPLAY_ORDER)
GROUP_LABEL = case('i."group"', {group.value: label for group, label in GROUP_LABELS.items()}, 'i."group"')
GROUP_ORDER = case('i."group"', {group.value: position for position, group in enumerate(Group)}, "99")
FREQUENCY_LABEL = case("i.frequency", FREQUENCY_LABELS, "i.frequency")
OBSERVATION_STATUS_LABEL = case("o.status", OBSERVATION_STATUS_LABELS, "o.status")
# Numbered as printed ("3", "3a", "12.1"): by the leading number, then as text; unnumbered last.
NUMBER_ORDER = "NULLIF(substring(i.number FROM '^[0-9]+'), '')::int NULLS LAST, i.number NULLS LAST, i.code"

UNITS_TABLE = (
    "(VALUES "
    + ", ".join(
        f"({literal(unit.code)}, {literal(unit.symbol_vi)}, {literal(unit.grafana)}, {'true' if unit.bounded else 'false'},"
        f" {unit.decimals})"
        for unit in UNITS.values()
    )
    + ") AS u (code, symbol_vi, grafana, bounded, decimals)"
)

# How the status engine judges each indicator (indicators.paths.judgement), as the snapshot's writer stored it: the
# basis, the unit of the judged values and their decimals are read, never re-derived here.
JUDGEMENTS = "indicator_judgements f"
JUDGED_UNIT = "f.symbol_vi"
JUDGED_DECIMALS = "f.decimals"


def rounded(expression: str, decimals: str = JUDGED_DECIMALS) -> str:
    """The value as `numeric` rounded to the unit's decimals: no float noise, and no "-0" (numeric has no -0)."""
    return f"round(({expression})::numeric, {decimals})"


BASIS_LABEL = case("f.basis", {basis.value: label for basis, label in BASIS_LABELS.items()}, "f.basis")
PROGRESS_PERCENT = "round((100 * s.progress_ratio)::numeric, 1)"
PROJECTION_LABEL = (
    f"CASE s.projection_meets_target WHEN true THEN {literal(PROJECTION_MEETS)}"
    f" WHEN false THEN {literal(PROJECTION_MISSES)} END"
)
REPORT_LABEL = f"CASE WHEN s.report_overdue THEN {literal(REPORT_OVERDUE)} ELSE {literal(REPORT_ON_TIME)} END"
# The "khoảng" mark and the previous target period's outcome, as the status engine wrote them beside today's status
# (indicator_status.approximately, previous_*): labelled here, never judged again.
APPROXIMATELY_LABEL = f"CASE WHEN s.approximately THEN {literal(APPROXIMATELY_ACHIEVED)} END"
PREVIOUS_STATUS = status_label("s.previous_status")
PREVIOUS_STATUS_LABEL = (
    f"CASE WHEN s.previous_approximately THEN {literal(APPROXIMATELY_ACHIEVED)} ELSE {PREVIOUS_STATUS} END"
)
# The columns that go beside "Trạng thái" in every status table, in this order.
OUTCOME_SELECT = (
    f'{APPROXIMATELY_LABEL} AS "Xấp xỉ", s.previous_period AS "Kỳ trước", {PREVIOUS_STATUS_LABEL} AS "Kết quả kỳ trước"'
)
OUTCOME_COLUMNS = ("Xấp xỉ", "Kỳ trước", "Kết quả kỳ trước")
DETAIL_COLUMN = "Chi tiết"
# The link to the indicator's detail, with the codes in it: the panel shows it as a word (a regex value mapping).
DETAIL_URL = (
    "'/d/chitieu-indicator/?var-programme=' || i.programme || '&var-indicator=' || s.indicator"
    " || '&var-region=' || s.region"
)
# Where a reported period ends (the first instant after it, in Vietnam), from its text: 2024, 2024-H1, 2024-Q2, 2024-06.
PERIOD_LENGTH = (
    "CASE WHEN o.period ~ '^[0-9]{4}$' THEN interval '1 year' WHEN o.period ~ '-H' THEN interval '6 months'"
    " WHEN o.period ~ '-Q' THEN interval '3 months' ELSE interval '1 month' END"
)
PERIOD_END = f"((o.period_start AT TIME ZONE {literal(TIMEZONE)}) + {PERIOD_LENGTH}) AT TIME ZONE {literal(TIMEZONE)}"
# One series per kind of period: "Thực hiện (năm)", "Thực hiện (quý)" ...
ACTUAL_SERIES = {frequency: f"Thực hiện ({frequency.label_vi})" for frequency in Frequency}
PERIOD_KIND_LABEL = (
    f"CASE WHEN o.period ~ '^[0-9]{{4}}$' THEN {literal(Frequency.year.label_vi)}"
    f" WHEN o.period ~ '-H' THEN {literal(Frequency.half_year.label_vi)}"
    f" WHEN o.period ~ '-Q' THEN {literal(Frequency.quarter.label_vi)}"
    f" ELSE {literal(Frequency.month.label_vi)} END"
)
PERIOD_SERIES = f"'Thực hiện (' || {PERIOD_KIND_LABEL} || ')'"

BOARD_FROM = (
    "FROM indicator_status s"
    " JOIN indicators i ON i.code = s.indicator AND i.archived_at IS NULL"
    " JOIN regions r ON r.code = s.region"
)
BOARD_WITH_JUDGEMENTS = (
    f"{BOARD_FROM} LEFT JOIN {JUDGEMENTS} ON f.indicator = s.indicator LEFT JOIN agencies a ON a.code = i.owner"
)


# --- Template variables: each returns __value (the code) and __text (what the dropdown shows). -------------------

VARIABLE_COLUMNS = ("__value", "__text")


def programme_regions_variable(programme: str) -> PanelQuery:
    """The regions a programme's indicators are tracked or reported in: a probe per region by the region indexes
    (migration 0014), which stops at the region's first series of the programme, rather than every series of the
    programme read and deduplicated (332,100 of them at national scale). Scalar subqueries with LIMIT 1, not EXISTS:
    for EXISTS ... OR EXISTS the planner chose the hashed subplan, which reads every series again."""
    p = literal(programme)
    return table(
        f"""
SELECT r.code AS __value, r.name_vi AS __text
FROM regions r
WHERE coalesce(
    (SELECT true FROM indicator_regions ir JOIN indicators i ON i.code = ir.indicator
     WHERE ir.region = r.code AND i.programme = {p} AND i.archived_at IS NULL LIMIT 1),
    (SELECT true FROM indicator_status s JOIN indicators i ON i.code = s.indicator
     WHERE s.region = r.code AND i.programme = {p} AND i.archived_at IS NULL LIMIT 1),
    false)
ORDER BY r.name_vi
""",
        *VARIABLE_COLUMNS,
    )


PROGRAMMES_VARIABLE = table(
    """
SELECT id AS __value, title_vi AS __text
FROM programmes
WHERE archived_at IS NULL
ORDER BY start_year DESC, id
""",
    *VARIABLE_COLUMNS,
)

INDICATORS_VARIABLE = table(
    f"""
SELECT i.code AS __value, coalesce(i.number || '. ', '') || i.name_vi AS __text
FROM indicators i
WHERE i.archived_at IS NULL AND i.programme = ANY (ARRAY[{PROGRAMMES}]::text[])
ORDER BY {NUMBER_ORDER}
""",
    *VARIABLE_COLUMNS,
)

# Indicators tracked (or reported) in more than one region: a second region found, not every region counted (3,321
# communes for each of 100 indicators at national scale).
MULTI_REGION_INDICATORS_VARIABLE = table(
    f"""
SELECT i.code AS __value, coalesce(i.number || '. ', '') || i.name_vi AS __text
FROM indicators i
WHERE i.archived_at IS NULL AND i.programme = ANY (ARRAY[{PROGRAMMES}]::text[])
  AND EXISTS (
        SELECT FROM (
            SELECT ir.region FROM indicator_regions ir WHERE ir.indicator = i.code
            UNION ALL
            SELECT s.region FROM indicator_status s WHERE s.indicator = i.code) AS tracked
        WHERE tracked.region <> coalesce(
            (SELECT ir.region FROM indicator_regions ir WHERE ir.indicator = i.code LIMIT 1),
            (SELECT s.region FROM indicator_status s WHERE s.indicator = i.code LIMIT 1)))
ORDER BY {NUMBER_ORDER}
""",
    *VARIABLE_COLUMNS,
)

INDICATOR_REGIONS_VARIABLE = table(
    f"""
SELECT r.code AS __value, r.name_vi AS __text
FROM regions r
WHERE r.code IN (
    SELECT ir.region FROM indicator_regions ir WHERE ir.indicator = {INDICATOR}
    UNION
    SELECT s.region FROM indicator_status s WHERE s.indicator = {INDICATOR})
ORDER BY r.parent NULLS FIRST, r.name_vi
""",
    *VARIABLE_COLUMNS,
)

TASK_AGENCIES_VARIABLE = table(
    f"""
SELECT DISTINCT a.code AS __value, a.name_vi AS __text
FROM tasks t
CROSS JOIN LATERAL unnest(t.lead) AS lead (code)
JOIN agencies a ON a.code = lead.code
WHERE t.archived_at IS NULL AND t.programme = ANY (ARRAY[{PROGRAMMES}]::text[])
ORDER BY __text
""",
    *VARIABLE_COLUMNS,
)
