"""Issue 14, through the public API: values pushed with a key to POST /v1/observations, then GET /v1/status and the
series endpoint read back. One test (or more) per decision; docs/status.md §10 has the worked examples."""

from datetime import date, timedelta
from typing import Any

import httpx
import psycopg
import pytest

from indicators.clock import vietnam_today
from tests.ingest_helpers import make_key, post_json


@pytest.fixture
def token(db_url: str) -> str:
    return make_key(db_url)


def push(client: httpx.Client, token: str, indicator: str, region: str, values: dict[str, float], **params: Any) -> Any:
    rows = [{"indicator": indicator, "region": region, "period": p, "value": v} for p, v in values.items()]
    response = post_json(client, token, rows, **params)
    assert response.status_code == 200, response.text
    return response.json()


def board_item(client: httpx.Client, indicator: str, region: str, **params: Any) -> dict[str, Any]:
    programme = indicator.split(".")[0]
    board = client.get("/v1/status", params={"programme": programme, "region": region, **params})
    assert board.status_code == 200, board.text
    return next(item for item in board.json()["items"] if item["indicator"] == indicator)


GROWTH = "htinh-nq26.grdp_growth"  # quarterly, "bình quân trên 9%/năm" 2021-2030


# 1. A full-year figure is the year's value: 2021 and 2021-Q4 alike, on a quarterly indicator.
@pytest.mark.parametrize(
    "periods",
    [("2021", "2022", "2023"), ("2021-Q4", "2022", "2023-Q4"), ("2021-Q4", "2022-Q4", "2023")],
)
def test_yearly_figures_count_for_the_average_of_a_quarterly_indicator(
    client: httpx.Client, token: str, periods: tuple[str, str, str]
) -> None:
    push(client, token, GROWTH, "ha_tinh", dict(zip(periods, (8, 10, 9.5), strict=True)))
    item = board_item(client, GROWTH, "ha_tinh", as_of="2024-03-01")
    assert (item["status"], item["period"], item["reason"]) == ("on_track", periods[2], None)
    assert item["actual"] == pytest.approx(9.1633, abs=1e-4)  # (1,08 x 1,10 x 1,095)^(1/3) - 1


def test_a_half_year_figure_continues_the_yearly_average(client: httpx.Client, token: str) -> None:
    push(client, token, GROWTH, "ha_tinh", {"2021": 8, "2022": 10, "2023": 9.5, "2024-H1": 9.2})
    item = board_item(client, GROWTH, "ha_tinh", as_of="2024-07-20")
    assert item["period"] == "2024-Q2"  # stored as the second quarter's year-to-date figure
    assert item["actual"] == pytest.approx(((1.08 * 1.10 * 1.095 * 1.092) ** 0.25 - 1) * 100)


# 2. "Duy trì" (maintain) targets hold in every year of their span.
def test_a_maintain_target_judges_each_year(client: httpx.Client, token: str) -> None:
    forest = "htinh-nq26.forest_cover"  # "Duy trì ổn định tỷ lệ độ che phủ rừng trên 52%"
    push(client, token, forest, "ha_tinh", {"2023": 51})
    item = board_item(client, forest, "ha_tinh", as_of="2024-03-01")
    assert (item["status"], item["period"], item["actual"], item["target"]) == ("missed", "2023", 51, 52)
    assert item["report_overdue"] is False  # the 2024 figure is due on 30 January 2025
    assert board_item(client, forest, "ha_tinh", as_of="2025-03-01")["report_overdue"] is True
    push(client, token, forest, "ha_tinh", {"2024": 52.4})
    assert board_item(client, forest, "ha_tinh", as_of="2025-03-01")["status"] == "achieved"
    push(client, token, forest, "ha_tinh", {"2024": 52})  # "trên 52%": exactly 52 is not held above it
    assert board_item(client, forest, "ha_tinh", as_of="2025-03-01")["status"] == "missed"
    communes = "htinh-nq26.new_rural_communes"  # "Duy trì, nâng cấp 100% số xã đạt chuẩn nông thôn mới"
    push(client, token, communes, "ha_tinh", {"2022": 100})
    assert board_item(client, communes, "ha_tinh", as_of="2023-02-01")["status"] == "achieved"


# 3. A half-year figure of a quarterly indicator whose values are year to date is stored as its Q2.
def test_a_half_year_figure_is_stored_as_the_second_quarter(client: httpx.Client, token: str) -> None:
    answer = push(client, token, "qngai-2024.budget_revenue", "quang_ngai", {"2024-H1": 6100, "2024-09": 9000})
    assert answer["imported"] == 2
    stored = {(s["row"], s["sent"], s["period"]) for s in answer["stored_as"]}
    assert stored == {(1, "2024-H1", "2024-Q2"), (2, "2024-09", "2024-Q3")}
    assert all("được lưu là" in s["message"] and "stored as" in s["message"] for s in answer["stored_as"])
    series = client.get("/v1/indicators/qngai-2024.budget_revenue/series", params={"region": "quang_ngai"}).json()
    actuals = {p["period"]: p["actual"] for p in series["points"] if p["actual"] is not None}
    assert actuals == {"2024-Q2": 6100, "2024-Q3": 9000}
    # The same figure again under its own name is the same value: nothing new.
    again = push(client, token, "qngai-2024.budget_revenue", "quang_ngai", {"2024-Q2": 6100})
    assert (again["imported"], again["ignored"], again["stored_as"]) == (0, 1, [])


def test_periods_that_are_not_a_cumulative_figure_are_refused(client: httpx.Client, token: str) -> None:
    rows = [
        {"indicator": GROWTH, "region": "ha_tinh", "period": "2024-H2", "value": 9},  # the second half alone?
        {"indicator": GROWTH, "region": "ha_tinh", "period": "2024-05", "value": 9},  # May ends no quarter
        {"indicator": "htinh-nq26.forest_cover", "region": "ha_tinh", "period": "2024-H1", "value": 52.5},  # yearly
    ]
    response = post_json(client, token, rows)
    assert response.status_code == 422
    errors = {(e["row"], e["field"]) for e in response.json()["errors"]}
    assert errors == {(1, "period"), (2, "period"), (3, "period")}
    assert all("cannot be stored" in e["message"] for e in response.json()["errors"])


# 4. known_at: only the revisions recorded by the end of that day (Vietnam) count.
def test_known_at_shows_the_board_before_a_revision(client: httpx.Client, token: str, db_url: str) -> None:
    budget = "dthap-2023.budget_revenue"
    push(client, token, budget, "dong_thap", {"2023-Q2": 3500})
    with psycopg.connect(db_url) as conn:  # the first figure was recorded three days ago
        conn.execute(
            "UPDATE observations SET recorded_at = recorded_at - interval '3 days' WHERE indicator = %s", [budget]
        )
    push(client, token, budget, "dong_thap", {"2023-Q2": 3900})  # the revision, today
    yesterday = (vietnam_today() - timedelta(days=1)).isoformat()
    now = board_item(client, budget, "dong_thap", as_of="2023-07-15")
    then = board_item(client, budget, "dong_thap", as_of="2023-07-15", known_at=yesterday)
    assert (now["actual"], now["status"]) == (3900, "on_track")
    assert (then["actual"], then["status"]) == (3500, "off_track")
    before_any = (vietnam_today() - timedelta(days=5)).isoformat()
    assert board_item(client, budget, "dong_thap", as_of="2023-07-15", known_at=before_any)["status"] == "no_data"
    series = client.get(f"/v1/indicators/{budget}/series", params={"region": "dong_thap", "known_at": yesterday}).json()
    q2 = next(p for p in series["points"] if p["period"] == "2023-Q2")
    assert (q2["actual"], [r["value"] for r in q2["revisions"]]) == (3500, [3500])
    assert series["known_at"] == yesterday


# 6. "khoảng": within the tolerance at the final period is achieved, approximately.
def test_an_approximate_target_is_achieved_within_its_tolerance(client: httpx.Client, token: str) -> None:
    share = "htinh-nq26.grdp.agriculture_share"  # "chiếm khoảng 7,9%" in 2030, lower is better
    push(client, token, share, "ha_tinh", {"2020": 12.9, "2030": 8.1})
    item = board_item(client, share, "ha_tinh", as_of="2031-03-01")
    assert (item["status"], item["approximately"], item["expected"]) == ("achieved", True, 7.9)
    push(client, token, share, "ha_tinh", {"2030": 8.4})  # beyond 7,9 x 1,05 = 8,295
    item = board_item(client, share, "ha_tinh", as_of="2031-03-01")
    assert (item["status"], item["approximately"]) == ("missed", False)
    # One-sided targets stay strict: "trên 95%" with 94,9 is missed, however close.
    coverage = "htinh-nq26.health_insurance_coverage"
    push(client, token, coverage, "ha_tinh", {"2030": 94.9})
    item = board_item(client, coverage, "ha_tinh", as_of="2031-03-01")
    assert (item["status"], item["approximately"]) == ("missed", False)


# 7. "trên" is for the final target: mid-period, a value exactly on the path is on track.
def test_a_value_exactly_on_the_path_of_a_strict_target_is_on_track(client: httpx.Client, token: str) -> None:
    push(client, token, GROWTH, "ha_tinh", {"2021": 9, "2022": 9, "2023": 9})
    item = board_item(client, GROWTH, "ha_tinh", as_of="2024-03-01")
    assert (item["status"], item["expected"]) == ("on_track", 9)
    assert item["actual"] == pytest.approx(9)


# 8. The board judges the current target period; the previous one's outcome goes beside it.
def test_mid_2024_the_board_shows_the_2024_target_and_how_2023_ended(client: httpx.Client, token: str) -> None:
    communes = "qngai-2024.new_rural_communes"  # 2023: 07 planned, 06 reached; 2024: 03
    push(client, token, communes, "quang_ngai", {"2023": 6})
    item = board_item(client, communes, "quang_ngai", as_of="2024-07-15")
    assert (item["status"], item["period"], item["actual"], item["target"]) == ("no_data", None, None, 3)
    assert item["previous"] == {
        "period": "2023",
        "status": "missed",
        "status_vi": "không đạt",
        "actual": 6,
        "target": 7,
        "approximately": False,
    }
    assert item["report_overdue"] is False  # the 2024 figure is due on 30 January 2025
    push(client, token, communes, "quang_ngai", {"2024": 3})
    item = board_item(client, communes, "quang_ngai", as_of="2025-02-15")
    assert (item["status"], item["period"], item["previous"]["status"]) == ("achieved", "2024", "missed")
    # Early in 2023 the 2023 target is the current one: nothing earlier to show.
    assert board_item(client, communes, "quang_ngai", as_of="2023-03-01")["previous"] is None


# 9. A structural share band is two-sided; other ranges keep "beyond the high end is exceeded".
@pytest.mark.parametrize(("value", "status"), [(70.5, "achieved"), (72, "missed"), (69.8, "missed")])
def test_a_structural_share_band_is_two_sided(client: httpx.Client, token: str, value: float, status: str) -> None:
    share = "qngai-2024.industry_services_share"  # "chiếm khoảng 70 - 71%"
    push(client, token, share, "quang_ngai", {"2024": value})
    assert board_item(client, share, "quang_ngai", as_of="2025-02-01")["status"] == status


def test_a_one_sided_range_is_exceeded_above_its_high_end(client: httpx.Client, token: str) -> None:
    push(client, token, "qngai-2024.grdp_growth", "quang_ngai", {"2023": 3.03, "2024": 3.5})
    item = board_item(client, "qngai-2024.grdp_growth", "quang_ngai", as_of="2025-02-01")
    assert (item["status"], item["previous"]["status"]) == ("achieved", "achieved")  # 2,5-3% and -3,5..-3%


# 10. Overdue follows the indicator's reporting frequency, not the kind of its last figure.
def test_an_annual_figure_of_a_quarterly_indicator_makes_the_next_quarter_due(client: httpx.Client, token: str) -> None:
    push(client, token, GROWTH, "ha_tinh", {"2021": 8, "2022": 10, "2023": 9.5})
    assert board_item(client, GROWTH, "ha_tinh", as_of="2024-04-30")["report_overdue"] is False
    assert board_item(client, GROWTH, "ha_tinh", as_of="2024-05-01")["report_overdue"] is True  # Q1 + 30 days


# 11. Values that look like the wrong scale: warnings, or row errors with strict=true.
def test_a_fraction_for_a_percentage_is_warned_about(client: httpx.Client, token: str, db_url: str) -> None:
    coverage = "htinh-nq26.health_insurance_coverage"  # "trên 95%"
    answer = push(client, token, coverage, "ha_tinh", {"2023": 0.94, "2022": 93.1})
    assert answer["imported"] == 2
    assert [(w["row"], w["field"]) for w in answer["warnings"]] == [(1, "value")]
    assert "phân số" in answer["warnings"][0]["message"] and "fraction" in answer["warnings"][0]["message"]
    refused = post_json(
        client, token, [{"indicator": coverage, "region": "ha_tinh", "period": "2024", "value": 0.95}], strict="true"
    )
    assert refused.status_code == 422
    assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [(1, "value")]
    assert board_item(client, coverage, "ha_tinh", as_of="2025-03-01")["period"] == "2023"  # 2024 not written


def test_a_value_a_thousand_times_off_is_warned_about(client: httpx.Client, token: str) -> None:
    budget = "dthap-2023.budget_revenue"  # 7.555 tỷ đồng
    answer = push(client, token, budget, "dong_thap", {"2023-Q1": 1_800_000})  # in triệu đồng?
    assert [w["row"] for w in answer["warnings"]] == [1]
    assert "1.888,75" in answer["warnings"][0]["message"]  # a quarter of 7.555 is due by the end of March
    # Against the series' latest value when the target is in other terms ("gấp 2,5-3 lần năm 2020").
    grdp = "htinh-nq26.grdp"
    assert push(client, token, grdp, "ha_tinh", {"2020": 80_000})["warnings"] == []
    answer = push(client, token, grdp, "ha_tinh", {"2021": 88_000_000})
    assert [w["row"] for w in answer["warnings"]] == [1]
    assert "80.000" in answer["warnings"][0]["message"]
    refused = post_json(
        client, token, [{"indicator": grdp, "region": "ha_tinh", "period": "2022", "value": 97}], strict="true"
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "value"
    correction = push(client, token, grdp, "ha_tinh", {"2021": 88_000})  # against 2020, not the slip it replaces
    assert (correction["updated"], correction["warnings"]) == (1, [])


def test_today_defaults_to_vietnam(client: httpx.Client) -> None:
    assert client.get("/v1/status", params={"programme": "dthap-2023"}).json()["as_of"] == str(vietnam_today())
    assert date.fromisoformat(client.get("/v1/indicators/dthap-2023.budget_revenue/series").json()["as_of"])
