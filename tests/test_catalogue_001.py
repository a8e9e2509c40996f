"""Catalogue 001 (Quảng Trị, Kế hoạch số 184-KH/TU ngày 27/12/2024 thực hiện Thông báo số 101-TB/VPTW).

Expected values are copied by hand from the source document; the test never reads the document itself.
"""

from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest
from ruamel.yaml import YAML

from indicators.model import CatalogueFile, Direction, Indicator, TargetKind, Task
from indicators.periods import Frequency

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
    assert len(catalogue.indicators) == 3


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
