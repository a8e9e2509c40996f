"""Catalogue 000 (Quảng Trị, Chương trình hành động thực hiện Nghị quyết Đại hội Đảng bộ tỉnh lần thứ I, 2025-2030).

Expected values are copied by hand from the source document; the test never reads the document itself.
"""

from datetime import date
from pathlib import Path
from typing import NamedTuple

import pytest
from ruamel.yaml import YAML

from indicators.model import CatalogueFile, Measure, TargetBasis, TargetKind, Task
from indicators.periods import Frequency

CATALOGUE_PATH = Path(__file__).parents[1] / "indicators" / "catalogue" / "000_qtri-dh1.yaml"
PROGRAMME = "qtri-dh1"

UBND_PARTY = "quang_tri.dang_uy_ubnd"
ORGANISATION = "quang_tri.ban_to_chuc_tu"
PROPAGANDA_MOBILISATION = "quang_tri.ban_tuyen_giao_dan_van_tu"
GENERIC_COOPERATING = "Các sở, ban, ngành, địa phương liên quan"


class ExpectedTask(NamedTuple):
    section: str
    lead: tuple[str, ...]
    time_frame: str
    due: date | None


# Every "Cơ quan chủ trì tham mưu" / "Thời gian thực hiện" block of part B, in document order.
EXPECTED_TASKS = [
    ExpectedTask("B.I.1", (UBND_PARTY,), "Giai đoạn 2026-2030", date(2030, 12, 31)),
    ExpectedTask("B.I.2", (UBND_PARTY,), "Giai đoạn 2026-2030", date(2030, 12, 31)),
    ExpectedTask("B.I.3", (UBND_PARTY, ORGANISATION), "Giai đoạn 2026-2030", date(2030, 12, 31)),
    ExpectedTask("B.II.1.2.1", (PROPAGANDA_MOBILISATION,), "Thường xuyên", None),
    ExpectedTask("B.II.1.2.2", (ORGANISATION,), "Thường xuyên", None),
    ExpectedTask("B.II.1.2.3", ("quang_tri.uy_ban_kiem_tra_tu",), "Thường xuyên", None),
    ExpectedTask("B.II.1.2.4", ("quang_tri.ban_noi_chinh_tu",), "Thường xuyên", None),
    ExpectedTask("B.II.1.2.5", (PROPAGANDA_MOBILISATION,), "Thường xuyên", None),
    ExpectedTask("B.II.1.2.6", ("quang_tri.van_phong_tu",), "Thường xuyên", None),
    ExpectedTask("B.II.1.2.7", (UBND_PARTY,), "Theo lộ trình, trong giai đoạn 2026-2030", date(2030, 12, 31)),
    ExpectedTask("B.II.1.2.8", ("quang_tri.ubmttq", "quang_tri.to_chuc_chinh_tri_xa_hoi"), "Thường xuyên", None),
    ExpectedTask("B.II.2.2", (UBND_PARTY,), "Giai đoạn 2026-2030", date(2030, 12, 31)),
    ExpectedTask("B.II.3.2", (UBND_PARTY,), "Giai đoạn 2026-2030", date(2030, 12, 31)),
    ExpectedTask(
        "B.II.4.2.1",
        (UBND_PARTY, "quang_tri.dang_uy_quan_su", "quang_tri.dang_uy_cong_an"),
        "Thường xuyên",
        None,
    ),
    ExpectedTask("B.II.4.2.2", (UBND_PARTY,), "Thường xuyên", None),
]


@pytest.fixture(scope="module")
def catalogue() -> CatalogueFile:
    with CATALOGUE_PATH.open(encoding="utf-8") as file:
        return CatalogueFile.model_validate(YAML(typ="safe").load(file))


@pytest.fixture(scope="module")
def by_section(catalogue: CatalogueFile) -> dict[str, Task]:
    return {task.section: task for task in catalogue.tasks}


def test_programme_header(catalogue: CatalogueFile) -> None:
    programme = catalogue.programme
    assert catalogue.source == "000"
    assert programme.id == PROGRAMME
    assert programme.province == "quang_tri"
    assert (programme.start_year, programme.end_year) == (2026, 2030)
    assert programme.kind.value == "action_programme"


def test_counts(catalogue: CatalogueFile) -> None:
    assert len(catalogue.tasks) == 15
    # The annex (danh mục) has a heading but no rows in the document: no project is catalogued.
    assert [task for task in catalogue.tasks if task.kind == "project"] == []
    # Double-digit growth, and the PCI improvement kept as qualitative.
    assert [indicator.code for indicator in catalogue.indicators] == [f"{PROGRAMME}.grdp_growth", f"{PROGRAMME}.pci"]


def test_sections_are_unique_and_in_document_order(catalogue: CatalogueFile) -> None:
    assert [task.section for task in catalogue.tasks] == [expected.section for expected in EXPECTED_TASKS]


@pytest.mark.parametrize("expected", EXPECTED_TASKS, ids=lambda expected: expected.section)
def test_task_matches_document(by_section: dict[str, Task], expected: ExpectedTask) -> None:
    task = by_section[expected.section]
    assert task.kind == "task"
    assert tuple(task.lead) == expected.lead
    assert task.time_frame == expected.time_frame
    assert task.due == expected.due


def test_recurring_tasks_are_reviewed_yearly(catalogue: CatalogueFile) -> None:
    recurring = [task for task in catalogue.tasks if task.time_frame == "Thường xuyên"]
    assert len(recurring) == 9
    for task in recurring:
        assert task.due is None
        assert task.review_every is Frequency.year
        assert task.until_event is None


def test_dated_tasks_have_no_review_cadence(catalogue: CatalogueFile) -> None:
    dated = [task for task in catalogue.tasks if task.due is not None]
    assert len(dated) == 6
    assert all(task.review_every is None for task in dated)


def test_cooperating_bodies(by_section: dict[str, Task]) -> None:
    assert by_section["B.I.1"].cooperating == []
    assert by_section["B.I.1"].cooperating_text == GENERIC_COOPERATING
    assert by_section["B.I.3"].cooperating_text == "Các cấp ủy đảng; các sở, ban, ngành, địa phương liên quan"
    assert by_section["B.II.1.2.5"].cooperating == ["quang_tri.ubmttq", "quang_tri.to_chuc_chinh_tri_xa_hoi"]
    assert by_section["B.II.1.2.6"].cooperating_text == (
        "Các cơ quan chuyên trách tham mưu, giúp việc Tỉnh ủy; các đảng ủy trực thuộc Tỉnh ủy"
    )


def test_titles_are_the_printed_headings(by_section: dict[str, Task]) -> None:
    assert by_section["B.II.1.2.1"].title_vi == "Tăng cường xây dựng Đảng về chính trị, tư tưởng, đạo đức"
    assert by_section["B.II.1.2.7"].title_vi == "Vận hành chính quyền địa phương 2 cấp hiệu năng, hiệu lực, hiệu quả"
    assert by_section["B.II.4.2.2"].title_vi == "Đẩy mạnh triển khai đồng bộ, sáng tạo công tác đối ngoại"
    assert by_section["B.I.2"].title_vi.startswith("Phát triển khoa học, công nghệ, đổi mới sáng tạo")


def test_shared_blocks_name_the_sub_items_they_cover(by_section: dict[str, Task]) -> None:
    economy_note = by_section["B.II.2.2"].note or ""
    society_note = by_section["B.II.3.2"].note or ""
    assert all(f"2.2.{n} " in economy_note for n in range(1, 7))
    assert all(f"3.2.{n} " in society_note for n in range(1, 5))


def test_growth_target(catalogue: CatalogueFile) -> None:
    indicator = catalogue.indicators[0]
    assert indicator.code == f"{PROGRAMME}.grdp_growth"
    assert indicator.measure is Measure.growth_rate
    assert indicator.unit == "percent_change"
    assert indicator.owner == UBND_PARTY
    (target,) = indicator.targets
    assert (target.period.first_year, target.period.last_year) == (2026, 2030)
    assert target.kind is TargetKind.at_least
    assert target.basis is TargetBasis.value
    assert target.value == 10
    # "2 con số" prints no number: the 10 is derived and must say so.
    assert target.derived
    assert "2 con số" in target.quote


def test_the_numberless_pci_target_is_kept_as_qualitative(catalogue: CatalogueFile) -> None:
    # B.I.1: "nâng cao chỉ số năng lực cạnh tranh cấp tỉnh (PCI)", no score or rank printed.
    pci = catalogue.indicators[1]
    assert pci.code == f"{PROGRAMME}.pci"
    assert pci.owner == UBND_PARTY
    (target,) = pci.targets
    assert target.kind is TargetKind.qualitative
    assert (target.period.first_year, target.period.last_year) == (2026, 2030)
    assert target.reason and "no score, rank" in target.reason
    assert target.quote.endswith("nâng cao chỉ số năng lực cạnh tranh cấp tỉnh (PCI)")


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
