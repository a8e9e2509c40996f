"""Input that once slipped through or crashed the service: strict CSV, periods and dates outside any sane window,
numbers and nesting beyond what the parsers take. Each answer is a 4xx problem, nothing is half-written, and the
keep-alive connection that carried the bad request carries the next one."""

import json
from typing import Any

import httpx
import psycopg
import pytest

from tests.ingest_helpers import make_key, post_csv, post_json

GRDP = "dthap-2023.grdp_growth"  # quarterly percent change in Đồng Tháp
URBAN = "dthap-2023.urbanisation_rate"  # yearly percent
COMMUNES = "dthap-2023.new_rural.communes"  # yearly count
HEADER = "indicator;region;period;value;status;note\n"


@pytest.fixture
def token(db_url: str) -> str:
    return make_key(db_url)


def stored(conn: psycopg.Connection[Any]) -> int:
    result = conn.execute("SELECT count(*) FROM observations").fetchone()
    assert result is not None
    return int(result[0])


def local_port(response: httpx.Response) -> int:
    """The client's own port of the connection that carried the response: the same port means the same connection."""
    stream = response.extensions["network_stream"]
    return int(stream.get_extra_info("client_addr")[1])


def assert_problem(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["type"].startswith("/problems/"), problem
    return problem


def csv_row(period: str, value: str, note: str = "") -> str:
    return f"{GRDP};dong_thap;{period};{value};official;{note}\n"


# ------------------------------------------------------------------------------------------------ strict CSV


def test_an_unclosed_quote_in_a_note_does_not_swallow_the_rows_after_it(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    body = HEADER + csv_row("2023-Q1", "6,9") + csv_row("2023-Q2", "7,1", '"ước 6 tháng') + csv_row("2023-Q3", "7,2")
    problem = assert_problem(post_csv(client, token, body, decimal="comma"), 422)
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(3, "")]
    assert "quote" in problem["errors"][0]["message"]
    assert stored(conn) == 0, "an atomic batch with a bad record writes nothing"
    partial = post_csv(client, token, body, decimal="comma", partial="true")
    assert (partial.json()["imported"], partial.json()["rejected"]) == (2, 1), "the row after the quote is read"


def test_a_quote_closed_on_a_later_line_does_not_merge_the_records(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    body = HEADER + csv_row("2023-Q1", "6,9", '"mở') + csv_row("2023-Q2", "7,1", 'đóng"') + csv_row("2023-Q3", "7,2")
    problem = assert_problem(post_csv(client, token, body, decimal="comma"), 422)
    assert [e["row"] for e in problem["errors"]] == [2]
    assert stored(conn) == 0


def test_a_note_on_several_lines_is_one_record_and_rows_are_counted_as_records(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    body = HEADER + csv_row("2023-Q1", "6,9", '"dòng một\ndòng hai"') + csv_row("2023-Q2", "abc")
    problem = assert_problem(post_csv(client, token, body, decimal="comma"), 422)
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(3, "value")], "record 3, though physical line 4"
    fine = post_csv(client, token, HEADER + csv_row("2023-Q1", "6,9", '"dòng một\ndòng hai"'), decimal="comma")
    assert fine.status_code == 200, fine.text
    assert conn.execute("SELECT note FROM observations").fetchone() == ("dòng một\ndòng hai",)


@pytest.mark.parametrize("record", ["a;b;c", f"{GRDP};dong_thap;2023-Q1;6,9;official;note;extra", '"x"y;b;c;d;e;f'])
def test_a_record_with_the_wrong_cells_or_quoting_is_a_row_error(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any], record: str
) -> None:
    body = HEADER + csv_row("2023-Q1", "6,9") + record + "\n" + csv_row("2023-Q2", "7,1")
    problem = assert_problem(post_csv(client, token, body, decimal="comma"), 422)
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(3, "")]
    assert stored(conn) == 0


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("indicator;region;period;value;value\n", "duplicate"),
        ("indicator;region;period;value;note;Note\n", "duplicate"),
        ("indicator;region;period;value;comment\n", "unknown"),
        ("indicator;region;period;value;\n", "unknown"),
        ('indicator;region;period;value;"note\n', "malformed"),
    ],
)
def test_a_header_with_duplicate_or_unknown_columns_is_refused(
    client: httpx.Client, token: str, header: str, says: str
) -> None:
    problem = assert_problem(post_csv(client, token, header + f"{GRDP};dong_thap;2023-Q1;6,9;x\n"), 400)
    assert problem["type"] == "/problems/unreadable-body"
    assert says in problem["detail"]


def test_a_bad_byte_is_named_with_its_line(client: httpx.Client, token: str, conn: psycopg.Connection[Any]) -> None:
    body = (HEADER + csv_row("2023-Q1", "6,9")).encode() + csv_row("2023-Q2", "7,1", "ghi chú").encode("cp1258")
    problem = assert_problem(post_csv(client, token, body, decimal="comma"), 400)
    assert "line 3" in problem["detail"]
    assert stored(conn) == 0


# ------------------------------------------------------------------------------------------------ periods and dates


@pytest.mark.parametrize("period", ["0000", "9999", "0000-Q1", "9999-12", "1899", "2101-H2", "٢٠٢٣"])
def test_periods_outside_the_sane_window_are_row_errors(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any], period: str
) -> None:
    json_answer = post_json(client, token, [{"indicator": GRDP, "region": "dong_thap", "period": period, "value": 1}])
    problem = assert_problem(json_answer, 422)
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(1, "period")]
    csv_answer = post_csv(client, token, HEADER + csv_row(period, "1"))
    assert [(e["row"], e["field"]) for e in assert_problem(csv_answer, 422)["errors"]] == [(2, "period")]
    assert stored(conn) == 0


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "2101-01-01", "1899-12-31"])
def test_dates_outside_the_sane_window_are_422(client: httpx.Client, as_of: str) -> None:
    for path in ("/v1/status", f"/v1/indicators/{GRDP}/series", "/v1/tasks"):
        problem = assert_problem(client.get(path, params={"as_of": as_of}), 422)
        assert problem["errors"][0]["field"] == "as_of"
    assert client.get("/v1/status", params={"as_of": "2100-12-31"}).status_code == 200


# ------------------------------------------------------------------------------------------------ numbers, nesting


def test_a_json_number_of_400_digits_is_a_row_error(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    row = f'{{"indicator": "{GRDP}", "region": "dong_thap", "period": "2023-Q1", "value": {"9" * 400}}}'
    body = '{"observations": [' + row + "]}"
    response = client.post(
        "/v1/observations",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert [(e["row"], e["field"]) for e in assert_problem(response, 422)["errors"]] == [(1, "value")]
    assert stored(conn) == 0


@pytest.mark.parametrize("depth", [100, 1000, 5000, 100_000])
def test_deeply_nested_json_is_a_4xx_everywhere(client: httpx.Client, token: str, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = {
        "/v1/observations": '{"observations": ' + nested + "}",
        "/v1/tasks/qtri-dh1.b.i.1/reports": '{"reported_on": "2025-03-01", "state": "done", "note": ' + nested + "}",
        "/v1/alerts/webhook": '{"version": "4", "status": "firing", "receiver": "x", "alerts": ' + nested + "}",
    }
    for path, body in bodies.items():
        assert_problem(client.post(path, content=body, headers=auth), 400, 422)
    wrapped = '{"observations": [{"indicator": ' + nested + ', "region": "dong_thap", "period": "2023", "value": 1}]}'
    assert_problem(client.post("/v1/observations", content=wrapped, headers=auth), 400, 422)


def test_vietnamese_messages_show_values_as_sent_the_vietnamese_way(client: httpx.Client, token: str) -> None:
    rows = [
        {"indicator": URBAN, "region": "dong_thap", "period": "2023", "value": 100.0001},
        {"indicator": COMMUNES, "region": "dong_thap", "period": "2023", "value": 1.5},
    ]
    messages = [e["message"] for e in assert_problem(post_json(client, token, rows), 422)["errors"]]
    assert "tỷ lệ 100,0001% nằm ngoài 0-100" in messages[0]
    assert "nhận 1,5 " in messages[1]
    text = HEADER + f"{URBAN};dong_thap;2023;100.0001;official;\n"
    [error] = assert_problem(post_csv(client, token, text, decimal="dot"), 422)["errors"]
    assert "tỷ lệ 100.0001%" in error["message"], "a CSV cell is shown as written"
    [dot] = assert_problem(post_csv(client, token, HEADER + csv_row("2023-Q1", "7,5"), decimal="dot"), 422)["errors"]
    assert dot["message"].index("không phải số") < dot["message"].index("not a number"), "Vietnamese first"


# ------------------------------------------------------------------------------------------------ keep-alive


def test_the_connection_stays_usable_after_every_kind_of_error(client: httpx.Client, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    first = client.get("/healthz")
    port = local_port(first)
    bad_requests = [
        lambda: post_json(client, token, [{"indicator": GRDP, "region": "dong_thap", "period": "0000", "value": 1}]),
        lambda: post_csv(client, token, HEADER + csv_row("2023-Q1", "1", '"open')),
        lambda: client.post(
            "/v1/observations", content="[" * 5000, headers={**auth, "Content-Type": "application/json"}
        ),
        lambda: client.post("/v1/observations", content=b"\xff\xfe", headers={**auth, "Content-Type": "text/csv"}),
        lambda: client.get("/v1/status", params={"as_of": "9999-12-31"}),
        lambda: client.get(f"/v1/indicators/{GRDP}/series", params={"as_of": "9999-12-31"}),
        lambda: client.get("/v1/indicators/nope"),
        lambda: client.post("/v1/observations", content=json.dumps({"observations": 1}), headers=auth),
    ]
    for send in bad_requests:
        answer = send()
        assert 400 <= answer.status_code < 500, answer.text[:300]
        assert local_port(answer) == port, "the server kept the connection open"
        follow = client.get("/healthz")
        assert follow.status_code == 200 and local_port(follow) == port


def test_a_json_key_named_twice_is_refused(client: httpx.Client, token: str, conn: psycopg.Connection[Any]) -> None:
    row = f'{{"indicator": "{GRDP}", "region": "dong_thap", "period": "2023-Q1", "value": 1, "value": 1000}}'
    response = client.post(
        "/v1/observations",
        content='{"observations": [' + row + "]}",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    problem = assert_problem(response, 400)
    assert "'value'" in problem["detail"] and "duplicate key" in problem["detail"]
    assert stored(conn) == 0
