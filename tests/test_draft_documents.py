"""`chitieu catalogue draft` on documents of several styles written for these tests (tests/fixtures/draft/), the
inputs it must refuse, `validate --draft`, `catalogue diff` and POST /v1/catalogue/drafts."""

import codecs
import io
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from indicators.catalogue import validate
from indicators.draft.build import draft_document
from indicators.draft.text import DraftInputError, extract_text, read_document
from tests.ingest_helpers import make_key

FIXTURES = Path(__file__).parent / "fixtures" / "draft"


def chitieu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, timeout=120)


def draft_of(name: str) -> dict[str, Any]:
    return draft_document(read_document(FIXTURES / name)).catalogue


def targets(catalogue: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {item["code"].split(".", 1)[1]: item["targets"] for item in catalogue["indicators"]}


def test_a_numbered_plan() -> None:
    found = targets(draft_of("numbered_plan.txt"))
    assert found["grdp_growth"][0] | {} == found["grdp_growth"][0]
    assert (found["grdp_growth"][0]["kind"], found["grdp_growth"][0]["value"]) == ("at_least", "8")
    assert found["budget_revenue"][0]["value"] == "12.500"
    assert found["exports"][0]["value"] == "1.200" and found["exports"][0]["derived"] is True  # 1,2 tỷ USD
    assert (found["poverty_rate"][0]["kind"], found["poverty_rate"][0]["strict"]) == ("at_most", True)
    assert found["unemployment_rate"][0]["kind"] == "at_most"
    assert found["hospital_beds_per_10000"][0]["value"] == "33" and found["doctors_per_10000"][0]["value"] == "11"
    assert found["new_rural"][0]["value"] == "12" and found["advanced_new_rural"][0]["value"] == "4"
    assert found["forest_cover"][0]["maintain"] is True
    assert found["pci_rank"][0]["kind"] == "qualitative"
    assert all(t[0]["period"] == "2026" for t in found.values())


def test_task_lines_of_a_plan() -> None:
    tasks = draft_of("numbered_plan.txt")["tasks"]
    assert [(t["section"], t["due"] if "due" in t else t["review_every"]) for t in tasks] == [
        ("III.1", "2026-06-30"),
        ("III.2", "year"),
    ]


def test_bullets_with_colons_sub_indicators_and_averages() -> None:
    catalogue = draft_of("bullets_colons.txt")
    found = targets(catalogue)
    growth = found["grdp_growth"][0]
    assert (growth["period"], growth["kind"], growth["strict"], growth["basis"]) == (
        "2026-2030", "at_least", True, "average_growth")  # fmt: skip
    assert (found["urbanisation_rate"][0]["low"], found["urbanisation_rate"][0]["high"]) == ("50", "55")
    poverty = found["poverty_rate"][0]
    assert (poverty["kind"], poverty["basis"], poverty["low"], poverty["high"]) == ("range", "change_per_period",
                                                                                    "1", "1,5")  # fmt: skip
    children = [i for i in catalogue["indicators"] if i.get("parent", "").endswith("trained_labour")]
    assert [c["targets"][0]["value"] for c in children] == ["40"]
    tasks = catalogue["tasks"]
    assert [(t["title_vi"], t.get("due"), t.get("review_every")) for t in tasks] == [
        ("Hoàn thiện quy hoạch đô thị", "2027-06-30", None),
        ("Phát triển du lịch", None, "year"),
    ]
    assert len(tasks[1]["lead"]) == 2


def test_prose_targets_and_no_invented_ones() -> None:
    found = targets(draft_of("prose_summary.txt"))
    assert found["grdp_growth"][0]["value"] == "10,5"
    assert found["budget_revenue"][0]["kind"] == "approx"
    assert found["tourist_arrivals"][0]["value"] == "4,5"
    assert found["jobs_created"][0]["value"] == "25.000"
    assert found["new_enterprises"][0]["value"] == "300"
    values = {t.get("value") for ts in found.values() for t in ts}
    assert not values & {"50", "12", "20"}  # the power plant, the road and "20/22 chỉ tiêu" are not targets


def test_a_results_report_gives_push_rows_and_plan_targets() -> None:
    draft = draft_document(read_document(FIXTURES / "results_report.txt"))
    rows = {row["indicator"].split(".", 1)[1]: row for row in draft.results}
    assert (rows["budget_revenue"]["value"], rows["budget_revenue"]["status"]) == ("9.850", "official")
    assert (rows["new_rural"]["value"], rows["new_rural"]["status"]) == ("08", "estimate")
    assert rows["new_party_members"]["period"] == "2025"
    plans = targets(draft.catalogue)
    assert plans["new_party_members"][0]["value"] == "1.300"
    assert plans["new_rural"][0]["value"] == "10"


def test_a_table_of_projects() -> None:
    tasks = draft_of("table_plan.txt")["tasks"]
    assert [(t["section"], t["kind"], t["due"]) for t in tasks] == [
        ("DM.I.1", "project", "2026-09-30"),
        ("DM.I.2", "project", "2028-12-31"),
        ("DM.II.1", "project", "2026-09-30"),
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.txt")))
def test_every_draft_validates_as_a_draft_and_not_as_a_catalogue_until_reviewed(name: str, tmp_path: Path) -> None:
    out = tmp_path / "draft.yaml"
    result = chitieu("catalogue", "draft", str(FIXTURES / name), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert validate(out, draft=True) == []
    data = YAML(typ="safe").load(out.read_text())
    for item in data["indicators"] + data["tasks"]:
        assert item["line"] >= 1 and item["quote"]
        assert item["quote"] in (FIXTURES / name).read_text().split("\n")[item["line"] - 1] or item["quote"][:20] in (
            FIXTURES / name).read_text()  # fmt: skip
    if data["review"]:
        assert any("review note" in str(issue) for issue in validate(out))


def test_no_targets_is_an_empty_draft_with_a_note() -> None:
    result = chitieu("catalogue", "draft", str(FIXTURES / "no_targets.txt"))
    assert result.returncode == 0
    data = YAML(typ="safe").load(result.stdout)
    assert data["indicators"] == [] and data["tasks"] == []
    assert "no targets" in data["review"][0]["note"]


def windows_1258(text: str) -> bytes:
    """As Windows-1258 writes Vietnamese: precomposed vowels (â, ơ, ư...) with the tone as a combining mark."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = bytearray()
    for character in text:
        try:
            out += character.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", character)
            base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in tones))
            out += (base + "".join(p for p in parts if p in tones)).encode("cp1258")
    return bytes(out)


def test_encodings_are_detected() -> None:
    text = (FIXTURES / "numbered_plan.txt").read_text()
    utf16 = extract_text(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    cp1258 = extract_text(windows_1258(text))
    assert utf16 == extract_text(text.encode()) == cp1258
    assert "Tỷ lệ hộ nghèo giảm còn dưới 2,5%" in cp1258


def test_docx_and_pdf(tmp_path: Path) -> None:
    from docx import Document
    from pypdf import PdfWriter

    document = Document()
    for line in (FIXTURES / "numbered_plan.txt").read_text().split("\n"):
        document.add_paragraph(line)
    docx = tmp_path / "plan.docx"
    document.save(str(docx))
    assert "Tỷ lệ hộ nghèo giảm còn dưới 2,5%" in read_document(docx)
    blank = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(blank)
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(blank.getvalue())
    result = chitieu("catalogue", "draft", str(pdf))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "no text layer" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"   \n\n", "empty"), (bytes(range(256)) * 20, "binary"), (b"PK\x03\x04garbage", ".docx")],
)
def test_bad_input_is_one_clear_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "input.bin"
    path.write_bytes(content)
    result = chitieu("catalogue", "draft", str(path), "--out", str(tmp_path / "out.yaml"))
    assert result.returncode == 1
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "out.yaml").exists()  # nothing half-written


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB without writing them
    started = time.monotonic()
    result = chitieu("catalogue", "draft", str(huge))
    assert result.returncode == 1 and "200.0 MB" in result.stderr and "50 MB" in result.stderr
    assert time.monotonic() - started < 10
    with pytest.raises(DraftInputError):
        read_document(huge)


def test_diff_names_what_changed(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    assert chitieu("catalogue", "draft", str(FIXTURES / "numbered_plan.txt"), "--out", str(old)).returncode == 0
    text = old.read_text().replace("value: '12.500'", "value: '13.000'").replace("unit: usd", "unit: million_usd")
    new = tmp_path / "new.yaml"
    new.write_text(text)
    result = chitieu("catalogue", "diff", str(old), str(new))
    assert result.returncode == 0
    assert "- target budget_revenue" not in result.stdout
    assert any(line.startswith("- target") and "12.500" in line for line in result.stdout.splitlines())
    assert any(line.startswith("+ target") and "13.000" in line for line in result.stdout.splitlines())
    same = chitieu("catalogue", "diff", str(old), str(old))
    assert "no differences" in same.stdout


def test_the_endpoint_needs_the_catalogue_scope(client: httpx.Client, db_url: str) -> None:
    body = (FIXTURES / "numbered_plan.txt").read_bytes()
    office = make_key(db_url, programmes=["dthap-2023"])
    refused = client.post("/v1/catalogue/drafts", content=body, headers={"Authorization": f"Bearer {office}"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    token = make_key(db_url, programmes=["*"])
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.post("/v1/catalogue/drafts", content=body, headers=headers, params={"programme": "sl-2026"})
    assert answer.status_code == 200, answer.text
    data = YAML(typ="safe").load(answer.text)
    assert data["programme"]["id"] == "sl-2026" and len(data["indicators"]) == 12
    empty = client.post("/v1/catalogue/drafts", content=b"", headers=headers)
    assert empty.status_code == 400 and "empty" in empty.json()["detail"]
    assert client.post("/v1/catalogue/drafts", content=body).status_code == 401
