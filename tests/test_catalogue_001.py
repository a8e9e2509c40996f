"""Catalogue 001 (Quảng Trị, Kế hoạch số 184-KH/TU ngày 27/12/2024 thực hiện Thông báo số 101-TB/VPTW).

Expected values are copied by hand from the source document; the test never reads the document itself.
"""

import shutil
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import psycopg
import pytest
from ruamel.yaml import YAML

from indicators.catalogue import validate
from indicators.model import CatalogueFile, Direction, Indicator, TargetKind, Task
from indicators.periods import Frequency
from ingest.catalogue_store import load_catalogue_into

CATALOGUE_PATH = Path(__file__).parents[1] / "indicators" / "catalogue" / "001_qtri-kh184.yaml"
PROGRAMME = "qtri-kh184"

UBND_PARTY_DELEGATION = "quang_tri.bcs_dang_ubnd"
PROPAGANDA = "quang_tri.ban_tuyen_giao_tu"
ADVISORY_BODIES = "quang_tri.co_quan_tham_muu_tu"
NATIONAL_CONGRESS = "Đại hội Đảng toàn quốc lần thứ XIV"


class ExpectedTask(NamedTuple):
    code: str
    section: str
    lead: tuple[str, ...]
    time_frame: str
    due: date | None


# The "Giao ..." assignments of part II that state a time frame, in document order.
EXPECTED_TASKS = [
    ExpectedTask(
        "ii.1", "II.1", (PROPAGANDA,), "nhiệm vụ thường xuyên ngay từ tháng 11/2024 và các năm tiếp theo", None
    ),
    ExpectedTask(
        "ii.3.1.1",
        "II.3.1.1",
        (PROPAGANDA,),
        "tập trung cao điểm từ nay cho đến Đại hội Đảng toàn quốc lần thứ XIV, nhiệm kỳ 2025 - 2030 "
        "và các năm tiếp theo",
        None,
    ),
    ExpectedTask(
        "ii.3.1.4",
        "II.3.1.4",
        ("quang_tri.ban_dan_van_tu",),
        "thường xuyên, trong đó tập trung cao điểm từ nay cho đến Đại hội Đảng toàn quốc lần thứ XIV, "
        "nhiệm kỳ 2025 – 2030 và các năm tiếp theo",
        None,
    ),
    ExpectedTask(
        "ii.3.1.7",
        "II.3.1.7",
        (
            ADVISORY_BODIES,
            "quang_tri.tieu_ban_nhan_su_dh18",
            "quang_tri.tieu_ban_van_kien_dh18",
            "quang_tri.tieu_ban_to_chuc_dh18",
        ),
        "Từ nay cho đến kết thúc Đại hội Đảng bộ tỉnh lần thứ XVIII",
        None,
    ),
    ExpectedTask(
        "ii.3.2.2",
        "II.3.2.2",
        (UBND_PARTY_DELEGATION,),
        "phấn đấu hoàn thành trong năm 2025",
        date(2025, 12, 31),
    ),
    ExpectedTask("ii.3.2.3.de_an_phia_tay", "II.3.2.3", (UBND_PARTY_DELEGATION,), "trong năm 2025", date(2025, 12, 31)),
    ExpectedTask(
        "ii.3.2.3.lao_bao_densavan", "II.3.2.3", (UBND_PARTY_DELEGATION,), "vào đầu năm 2025", date(2025, 3, 31)
    ),
]

# The rows of the annex (danh mục), reassembled from the table's broken lines.
EXPECTED_PROJECTS = [
    ExpectedTask("dm.i.1", "DM.I.1", ("quang_tri.ban_to_chuc_tu",), "Quý I/2025", date(2025, 3, 31)),
    ExpectedTask("dm.i.2", "DM.I.2", (ADVISORY_BODIES,), "Trước tháng 9/2025", date(2025, 8, 31)),
    ExpectedTask("dm.i.3", "DM.I.3", (UBND_PARTY_DELEGATION,), "Trong năm 2025", date(2025, 12, 31)),
    ExpectedTask("dm.i.4", "DM.I.4", (UBND_PARTY_DELEGATION,), "Hoàn thành trước tháng 4/2027", date(2027, 3, 31)),
    ExpectedTask("dm.ii.1", "DM.II.1", (UBND_PARTY_DELEGATION,), "2024 - 2030", date(2030, 12, 31)),
    ExpectedTask("dm.ii.2", "DM.II.2", (UBND_PARTY_DELEGATION,), "2024 - 2025", date(2025, 12, 31)),
    ExpectedTask("dm.ii.3", "DM.II.3", (UBND_PARTY_DELEGATION,), "2024 - 2030", date(2030, 12, 31)),
    ExpectedTask("dm.ii.4", "DM.II.4", (UBND_PARTY_DELEGATION,), "Năm 2025", date(2025, 12, 31)),
    ExpectedTask("dm.ii.5", "DM.II.5", (UBND_PARTY_DELEGATION,), "2025 - 2026", date(2026, 12, 31)),
    ExpectedTask("dm.ii.6.lao_bao_densavan", "DM.II.6", (UBND_PARTY_DELEGATION,), "2025 - 2026", date(2026, 12, 31)),
    ExpectedTask("dm.ii.6.giao_thong_dong_tay", "DM.II.6", (UBND_PARTY_DELEGATION,), "2024 - 2030", date(2030, 12, 31)),
    ExpectedTask("dm.ii.7", "DM.II.7", (UBND_PARTY_DELEGATION,), "2024 -2030", date(2030, 12, 31)),
    ExpectedTask("dm.ii.8", "DM.II.8", (UBND_PARTY_DELEGATION,), "Tháng 8/2025", date(2025, 8, 31)),
    ExpectedTask(
        "dm.ii.9",
        "DM.II.9",
        (UBND_PARTY_DELEGATION,),
        "- Hoàn thành Đề án trong năm 2025 - Triển khai thực hiện: 2026-2030",
        date(2030, 12, 31),
    ),
    ExpectedTask("dm.ii.10", "DM.II.10", (UBND_PARTY_DELEGATION,), "2025-2026", date(2026, 12, 31)),
]


@pytest.fixture(scope="module")
def catalogue() -> CatalogueFile:
    with CATALOGUE_PATH.open(encoding="utf-8") as file:
        return CatalogueFile.model_validate(YAML(typ="safe").load(file))


@pytest.fixture(scope="module")
def tasks(catalogue: CatalogueFile) -> dict[str, Task]:
    return {task.code.removeprefix(f"{PROGRAMME}."): task for task in catalogue.tasks}


@pytest.fixture(scope="module")
def indicators(catalogue: CatalogueFile) -> dict[str, Indicator]:
    return {indicator.code.removeprefix(f"{PROGRAMME}."): indicator for indicator in catalogue.indicators}


def test_programme_header(catalogue: CatalogueFile) -> None:
    programme = catalogue.programme
    assert catalogue.source == "001"
    assert programme.id == PROGRAMME
    assert programme.document_number == "184-KH/TU"
    assert programme.document_date == date(2024, 12, 27)
    assert (programme.start_year, programme.end_year) == (2024, 2030)
    assert programme.kind.value == "plan"


def test_counts(catalogue: CatalogueFile) -> None:
    assert len(catalogue.tasks) == 22
    assert len([task for task in catalogue.tasks if task.kind == "task"]) == 7
    assert len([task for task in catalogue.tasks if task.kind == "project"]) == 15
    assert len(catalogue.indicators) == 4


def test_tasks_in_document_order(catalogue: CatalogueFile) -> None:
    expected_codes = [f"{PROGRAMME}.{expected.code}" for expected in EXPECTED_TASKS + EXPECTED_PROJECTS]
    assert [task.code for task in catalogue.tasks] == expected_codes


@pytest.mark.parametrize("expected", EXPECTED_TASKS, ids=lambda expected: expected.code)
def test_task_matches_document(tasks: dict[str, Task], expected: ExpectedTask) -> None:
    task = tasks[expected.code]
    assert task.kind == "task"
    assert task.section == expected.section
    assert tuple(task.lead) == expected.lead
    assert task.time_frame == expected.time_frame
    assert task.due == expected.due


@pytest.mark.parametrize("expected", EXPECTED_PROJECTS, ids=lambda expected: expected.code)
def test_project_matches_document(tasks: dict[str, Task], expected: ExpectedTask) -> None:
    task = tasks[expected.code]
    assert task.kind == "project"
    assert task.section == expected.section
    assert tuple(task.lead) == expected.lead
    assert task.time_frame == expected.time_frame
    assert task.due == expected.due
    assert task.supervisor_text


def test_recurring_and_event_bound_tasks(tasks: dict[str, Task]) -> None:
    # III.4: Văn phòng Tỉnh uỷ reports "6 tháng/lần", so recurring tasks are reviewed half-yearly.
    assert tasks["ii.1"].review_every is Frequency.half_year
    assert tasks["ii.1"].until_event is None
    for code in ("ii.3.1.1", "ii.3.1.4"):
        assert tasks[code].until_event == NATIONAL_CONGRESS
        assert tasks[code].review_every is Frequency.half_year
    assert tasks["ii.3.1.7"].until_event == "Đại hội Đảng bộ tỉnh lần thứ XVIII"
    assert tasks["ii.3.1.7"].review_every is None
    undated = [task for task in tasks.values() if task.due is None]
    assert len(undated) == 4


def test_reassembled_annex_rows(tasks: dict[str, Task]) -> None:
    school = tasks["dm.i.4"]
    assert school.title_vi == "Xây dựng mới Trường Chính trị Lê Duẩn"
    assert school.cooperating == [
        "quang_tri.bcd_de_an_truong_chinh_tri_le_duan",
        "quang_tri.truong_chinh_tri_le_duan",
    ]
    assert school.supervisor_text == "- Ban Thường vụ Tỉnh uỷ, - Đ/c lãnh đạo UBND tỉnh được phân công"
    transport = tasks["dm.ii.6.giao_thong_dong_tay"]
    assert "<" not in (transport.supervisor_text or "")
    assert (transport.supervisor_text or "").endswith("thành viên BCD dự án động lực cấp tỉnh (theo phân công)")
    assert "đường tránh phía Đông thành phố Đông Hà" in (transport.note or "")
    assert tasks["dm.ii.4"].cooperating_text == "- Các bộ, ngành cơ quan liên quan - Huyện đảo Côn Cỏ"
    assert tasks["dm.ii.8"].supervisor_text == "Ban Chỉ đạo xóa nhà tạm, nhà dột nát"


def test_no_html_left_in_text_fields(catalogue: CatalogueFile) -> None:
    for task in catalogue.tasks:
        for text in (task.title_vi, task.cooperating_text, task.supervisor_text, task.time_frame, task.note):
            assert "<" not in (text or ""), task.code


def test_laos_power_import(indicators: dict[str, Indicator]) -> None:
    indicator = indicators["laos_power_import"]
    assert indicator.unit == "megawatts"
    assert indicator.direction is Direction.higher
    (target,) = indicator.targets
    assert (target.period.first_year, target.period.last_year) == (2030, 2030)
    assert target.kind is TargetKind.approx
    assert target.value == 2000
    assert "khoảng 2.000MW" in target.quote


def test_power_development_plan_capacity(indicators: dict[str, Indicator]) -> None:
    total = indicators["pdp8_added_capacity"]
    (target,) = total.targets
    assert (target.period.first_year, target.period.last_year) == (2025, 2030)
    assert target.kind is TargetKind.at_least
    assert target.strict
    assert target.value == 23000
    biomass = indicators["pdp8_added_capacity.biomass"]
    assert biomass.parent == total.code
    (biomass_target,) = biomass.targets
    assert biomass_target.kind is TargetKind.approx
    assert biomass_target.value == 123


def test_due_dates_fit_the_programme_period(catalogue: CatalogueFile) -> None:
    first = date(catalogue.programme.start_year, 1, 1)
    last = date(catalogue.programme.end_year, 12, 31)
    for task in catalogue.tasks:
        if task.due is not None:
            assert first <= task.due <= last, task.code


def test_codes_are_unique_and_belong_to_the_programme(catalogue: CatalogueFile) -> None:
    codes = [task.code for task in catalogue.tasks] + [indicator.code for indicator in catalogue.indicators]
    assert len(codes) == len(set(codes))
    assert all(code.startswith(f"{PROGRAMME}.") for code in codes)
    assert all(task.programme == PROGRAMME for task in catalogue.tasks)


def test_every_referenced_agency_is_declared(catalogue: CatalogueFile) -> None:
    declared = {agency.code for agency in catalogue.agencies}
    assert len(declared) == len(catalogue.agencies)
    referenced = {code for task in catalogue.tasks for code in [*task.lead, *task.cooperating]}
    referenced |= {indicator.owner for indicator in catalogue.indicators if indicator.owner}
    assert referenced <= declared
    assert all(code.startswith("quang_tri.") for code in declared)


def test_pci_top_30_is_kept_as_a_qualitative_rank_target(indicators: dict[str, Indicator]) -> None:
    # Annex row DM.II.1: "tiệm cận PCI top 30 các tỉnh, thành phố có chất lượng của cả nước"
    pci = indicators["pci_rank"]
    assert pci.unit == "rank"
    assert pci.direction is Direction.lower
    assert pci.owner == UBND_PARTY_DELEGATION
    (target,) = pci.targets
    assert target.kind is TargetKind.qualitative
    assert (target.period.first_year, target.period.last_year) == (2024, 2030)
    assert "tiệm cận PCI top 30" in target.quote
    assert target.reason and "tiệm cận" in target.reason


# ------------------------------------------------------------------------- physical specifications (attributes)


class ExpectedAttribute(NamedTuple):
    task: str
    value: float
    unit: str
    printed: str  # as the document prints it, within the quote
    approximate: bool = False


# Copied from II.3.2.4, the annex rows and footnote ¹ of II.3.2.5, in catalogue order.
EXPECTED_ATTRIBUTES = [
    ExpectedAttribute("ii.3.2.2", 4, "square_kilometres", "diện tích ban đầu (4km²)"),
    ExpectedAttribute("dm.ii.6.giao_thong_dong_tay", 2, "roads", "02 tuyến đường kết nối sân bay"),
    ExpectedAttribute("dm.ii.6.giao_thong_dong_tay", 13.8, "kilometres", "(dài 13,8km)"),
    ExpectedAttribute("dm.ii.6.giao_thong_dong_tay", 4, "lanes", "(dài 13,8km) đạt quy mô 4 làn xe"),
    ExpectedAttribute("dm.ii.6.giao_thong_dong_tay", 8, "kilometres", "(dài 8km)"),
    ExpectedAttribute("dm.ii.6.giao_thong_dong_tay", 4, "lanes", "(dài 8km) đạt quy mô 4 làn xe"),
    ExpectedAttribute("dm.ii.6.giao_thong_dong_tay", 34, "kilometres", "(34km) theo hình thức PPP"),
    ExpectedAttribute("dm.ii.7", 2000, "megawatts", "khoảng 2.000MW", approximate=True),
    ExpectedAttribute("dm.ii.7", 20, "megawatts", "nhà máy điện sinh khối 20MW Cam Lộ"),
    ExpectedAttribute("dm.ii.7", 110, "kilovolts", "đường dây 110KV mạch kép"),
    ExpectedAttribute("dm.ii.7", 1, "kilometres", "chiều dài 2x1km"),
    ExpectedAttribute("dm.ii.7", 60, "megawatts", "nhà máy điện sinh khối 60MW Quảng Trị"),
    ExpectedAttribute("dm.ii.7", 110, "kilovolts", "thanh cái 110KV trạm 220KV Đông Hà"),
    ExpectedAttribute("dm.ii.7", 40, "megawatts", "Hùng Anh Quảng Trị 40MW"),
    ExpectedAttribute("dm.ii.7", 10, "kilovolts", "thanh cái 10KV trạm 110 KV Vĩnh Linh"),
    ExpectedAttribute("dm.ii.7", 9, "kilometres", "dài khoảng 9km", approximate=True),
    ExpectedAttribute("dm.ii.7", 0.5, "kilometres", "có sẵn dài 0,5km"),
    ExpectedAttribute("dm.ii.7", 220, "kilovolts", "đường dây 220KV Đông Hới – Đông Hà"),
    ExpectedAttribute("dm.ii.7", 1.5, "megawatts", "điện mặt trời áp mái (1,5MW)"),
    ExpectedAttribute("dm.ii.7", 1, "megawatts", "Cam Tuyên 1 tại xã Cam Tuyên, huyện Cam Lộ (1MW)"),
    ExpectedAttribute("dm.ii.7", 1, "megawatts", "Cam Tuyên 2 (1MW)"),
]


def test_physical_specifications_are_attributes_of_their_rows(catalogue: CatalogueFile) -> None:
    found = [
        ExpectedAttribute(task.code.removeprefix(f"{PROGRAMME}."), a.value, a.unit, "", a.approximate)
        for task in catalogue.tasks
        for a in task.attributes
    ]
    assert [(e.task, e.value, e.unit, e.approximate) for e in found] == [
        (e.task, e.value, e.unit, e.approximate) for e in EXPECTED_ATTRIBUTES
    ]
    attributes = [a for task in catalogue.tasks for a in task.attributes]
    for expected, attribute in zip(EXPECTED_ATTRIBUTES, attributes, strict=True):
        assert expected.printed in attribute.quote, (attribute.name_vi, attribute.quote)
        assert attribute.name_vi and attribute.name_en


def test_biomass_plants_add_up_to_the_biomass_target(
    catalogue: CatalogueFile, indicators: dict[str, Indicator]
) -> None:
    # "Khoảng 123 MW điện sinh khối": 20 + 60 + 40 + 1,5 + 1 + 1 = 123,5.
    energy = next(task for task in catalogue.tasks if task.code == f"{PROGRAMME}.dm.ii.7")
    plants = [a.value for a in energy.attributes if a.unit == "megawatts" and "Lào" not in a.quote]
    assert len(plants) == 6
    assert sum(plants) == pytest.approx(123.5)
    assert indicators["pdp8_added_capacity.biomass"].final_target.value == 123


def test_an_attribute_must_be_printed_in_its_quote(tmp_path: Path) -> None:
    copy = tmp_path / CATALOGUE_PATH.name
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    wrong = text.replace('value: "13,8"', 'value: "13,9"')
    assert wrong != text
    copy.write_text(wrong, encoding="utf-8")
    issues = [str(issue) for issue in validate(tmp_path)]
    assert len(issues) == 1
    assert "dm.ii.6.giao_thong_dong_tay].attributes[1].value: 13,9 does not appear in the quote" in issues[0]
    line = int(issues[0].split(":")[1])
    assert 'value: "13,9"' in wrong.splitlines()[line - 1]


def test_attributes_are_loaded_and_served_by_the_api(
    conn: psycopg.Connection[Any], client: httpx.Client, tmp_path: Path
) -> None:
    expected_rows = len(EXPECTED_ATTRIBUTES)
    count = "SELECT count(*) FROM task_attributes WHERE task LIKE 'qtri-kh184.%'"
    assert conn.execute(count).fetchone() == (expected_rows,)
    row = conn.execute(
        "SELECT value, unit, approximate FROM task_attributes WHERE task = %s ORDER BY ordinal LIMIT 1 OFFSET 1",
        [f"{PROGRAMME}.dm.ii.6.giao_thong_dong_tay"],
    ).fetchone()
    assert row == (13.8, "kilometres", False)

    tasks = {t["code"]: t for t in client.get("/v1/tasks", params={"programme": PROGRAMME}).json()["items"]}
    transport = tasks[f"{PROGRAMME}.dm.ii.6.giao_thong_dong_tay"]["attributes"]
    assert [a["text_vi"] for a in transport] == ["2 tuyến", "13,8 km", "4 làn xe", "8 km", "4 làn xe", "34 km"]
    assert transport[1]["value"] == 13.8 and transport[1]["unit"] == "kilometres" and transport[1]["unit_vi"] == "km"
    assert "(dài 13,8km)" in transport[1]["quote"]
    energy = tasks[f"{PROGRAMME}.dm.ii.7"]["attributes"]
    assert energy[0]["text_vi"] == "khoảng 2.000 MW"
    assert energy[-5]["text_vi"] == "0,5 km"
    assert tasks[f"{PROGRAMME}.dm.i.1"]["attributes"] == []

    # Loading an edited catalogue replaces a task's attributes instead of adding to them.
    catalogue_dir = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_PATH.parent, catalogue_dir)
    edited = catalogue_dir / CATALOGUE_PATH.name
    edited.write_text(edited.read_text(encoding="utf-8").replace('value: "13,8"', 'value: "13,8"\n        note: x'))
    load_catalogue_into(conn, catalogue_dir)
    assert conn.execute(count).fetchone() == (expected_rows,)
    assert conn.execute(
        "SELECT note FROM task_attributes WHERE quote LIKE '%%13,8km%%' AND unit = 'kilometres'"
    ).fetchone() == ("x",)
