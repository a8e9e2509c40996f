"""The drafter's grammar of Vietnamese target phrasing: one clause in, kinds, values, units and bases out."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.draft.phrases import classify, find_values, fold, mask, rank_or_assigned, word_number_target
from indicators.draft.targets import clause_period
from indicators.numbers import format_vi


def first(clause: str) -> tuple[str, float, float | None, str | None, bool, str]:
    value = find_values(clause)[0]
    parsed = classify(clause, value, 0)
    return parsed.kind, value.low, value.high, value.unit, parsed.strict, parsed.basis


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("Tỷ lệ đô thị hóa đạt 38,5%", ("at_least", 38.5, None, "percent", False, "value")),
        ("GRDP bình quân đầu người khoảng 4.460 USD", ("approx", 4460.0, None, "usd", False, "value")),
        ("Vốn đầu tư đạt khoảng 38.000 - 39.000 tỷ đồng", ("range", 38000.0, 39000.0, "billion_vnd", False, "value")),
        ("Tỷ lệ đô thị hoá đạt trên 45%", ("at_least", 45.0, None, "percent", True, "value")),
        ("Thu ngân sách trên địa bàn đạt 7.555 tỷ đồng", ("at_least", 7555.0, None, "billion_vnd", False, "value")),
        (
            "tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ từ 80% trở lên",
            ("at_least", 80.0, None, "percent", False, "value"),
        ),
        ("Tỷ lệ thất nghiệp không quá 3%", ("at_most", 3.0, None, "percent", False, "value")),
        ("Tỷ lệ hộ nghèo giảm còn dưới 2,5%", ("at_most", 2.5, None, "percent", True, "value")),
        ("Tỷ lệ hộ nghèo giảm 0,6-1%/năm", ("range", 0.6, 1.0, "percent", False, "change_per_period")),
        ("miền núi giảm từ 6 - 7%", ("range", 6.0, 7.0, "percent", False, "change_per_period")),
        (
            "tốc độ tăng trưởng GRDP bình quân đạt trên 9%/năm",
            ("at_least", 9.0, None, "percent", True, "average_growth"),
        ),
        ("GRDP tăng khoảng 2,5-3 lần so với năm 2020", ("range", 2.5, 3.0, "times", False, "multiple_of_baseline")),
        ("Kế hoạch đề ra là từ -3,5% đến -3%", ("range", -3.5, -3.0, "percent", False, "value")),
        ("Số bác sĩ/vạn dân đạt 7,91 bác sĩ", ("at_least", 7.91, None, "doctors_per_10000", False, "value")),
        ("Có ít nhất 650 doanh nghiệp thành lập mới", ("at_least", 650.0, None, "enterprises", False, "value")),
        ("Tổng công suất tối thiểu 1,5 GW", ("at_least", 1500.0, None, "megawatts", False, "value")),
        ("Thu ngân sách đạt 1,2 nghìn tỷ đồng", ("at_least", 1200.0, None, "billion_vnd", False, "value")),
        ("tăng thêm 20 thôn đạt chuẩn", ("at_least", 20.0, None, "items", False, "value")),
    ],
)
def test_one_clause(clause: str, expected: tuple[object, ...]) -> None:
    kind, low, high, unit, strict, basis = first(clause)
    assert (kind, round(low, 6), None if high is None else round(high, 6), unit, strict, basis) == expected


def test_dates_document_numbers_and_years_are_not_values() -> None:
    text = "theo Nghị định số 07/2021/NĐ-CP ngày 27/01/2021, Quý II/2025, tháng 9/2025, giai đoạn 2021-2030, năm 2025"
    assert find_values(text) == []
    assert not any(character.isdigit() for character in mask(text))


def test_a_count_in_parentheses_restates_the_share() -> None:
    from indicators.draft.targets import _in_equivalent

    clause = "Tỷ lệ thôn đạt chuẩn 58,9% (66/112 thôn) và 50% (8 xã)"
    values = [v for v in find_values(clause) if not _in_equivalent(clause, v)]
    assert [v.low for v in values] == [58.9, 50.0]


def test_ranks_and_assigned_figures_are_qualitative() -> None:
    assert rank_or_assigned("PCI nằm trong nhóm 20 tỉnh dẫn đầu") is not None
    assert rank_or_assigned("tiệm cận PCI top 30 cả nước") is not None
    assert rank_or_assigned("thu ngân sách vượt mức chỉ tiêu Trung ương giao trên 5%") is not None
    assert rank_or_assigned("Tỷ lệ đô thị hóa đạt 40%") is None


def test_words_for_numbers() -> None:
    assert word_number_target("tăng trưởng hai con số") == (10.0, "hai con số")
    assert word_number_target("tăng trưởng 2 con số") == (10.0, "2 con số")


@pytest.mark.parametrize(
    ("clause", "period"),
    [
        ("Đến năm 2030, GRDP tăng 2,5 lần so với năm 2020", "2030"),
        ("Giai đoạn 2021-2030, tăng trưởng bình quân 9%/năm", "2021-2030"),
        ("Tỷ lệ hộ nghèo giảm 1% (theo chuẩn nghèo giai đoạn 2022 - 2025)", "2024"),
        ("tăng 7,5% so với năm 2022", "2024"),
    ],
)
def test_periods(clause: str, period: str) -> None:
    assert clause_period(clause, "2024", None)[0] == period


def test_fold() -> None:
    assert fold("Tỷ lệ hộ nghèo Đồng Tháp") == "ty le ho ngheo dong thap"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_the_grammar_never_crashes(text: str) -> None:
    for value in find_values(text):
        assert 0 <= value.start < value.end <= len(text)
        classify(text, value, 0)
    rank_or_assigned(text)
    word_number_target(text)
    assert len(mask(text)) == len(text)


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(["%", " tỷ đồng", " ha", " xã", " USD", " triệu đồng"]),
    st.sampled_from(["đạt", "khoảng", "trên", "ít nhất", "tối đa"]),
)
def test_a_number_written_the_vietnamese_way_reads_back(number: object, unit: str, word: str) -> None:
    value = float(str(number))
    written = format_vi(value)
    values = find_values(f"Chỉ tiêu thử {word} {written}{unit} trong năm")
    assert len(values) == 1
    assert values[0].low == pytest.approx(value)
