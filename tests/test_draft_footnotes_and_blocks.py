"""Drafter faults the seed documents showed, on small texts of the same classes written for these tests: the parts
listed in a footnote after its figure are not targets; one task block printed after the last of a list of
sub-headings covers the whole list (named by the heading above the list's label), not only the last sub-heading; a
heading broken inside a hyphenated token ("số 35-" / "CT/TW, ...") is joined again up to its clause's end."""

from typing import Any

from indicators.draft.build import draft_document
from indicators.draft.segment import rejoin_broken_lines
from indicators.draft.targets import footnote_head

FOOTNOTE_PLAN = """KẾ HOẠCH
Thực hiện Nghị quyết Đại hội Đảng bộ tỉnh Hòa Sơn nhiệm kỳ 2025-2030

II. NHIỆM VỤ, GIẢI PHÁP

2.3. Phát triển hạ tầng năng lượng

2.3.1. Đề xuất bổ sung quy hoạch điện trong giai đoạn 2026 - 2030 với tổng quy mô nguồn điện là trên 4.000 MW².

² Khoảng 300 MW điện mặt trời, dự kiến cho các dự án: nhà máy điện mặt trời 50MW Tân Lập tại xã Tân Lập dự kiến \
đấu nối vào trạm 110KV Tân Lập; nhà máy điện mặt trời 120MW Hòa Bình tại huyện Hòa Bình dự kiến đấu nối vào trạm 220KV.
"""

BLOCK_PROGRAMME = """CHƯƠNG TRÌNH HÀNH ĐỘNG
Thực hiện Nghị quyết Đại hội Đảng bộ tỉnh Hòa Sơn nhiệm kỳ 2025-2030

B. NHIỆM VỤ, GIẢI PHÁP

1. Xây dựng Đảng và hệ thống chính trị

1.1. Mục tiêu: Xây dựng Đảng bộ trong sạch, vững mạnh.

1.2. Các nhiệm vụ, giải pháp cụ thể

1.2.1. Đổi mới công tác tuyên truyền

- Đổi mới nội dung, phương thức tuyên truyền.

Cơ quan chủ trì tham mưu: Ban Tuyên giáo Tỉnh ủy.

Cơ quan phối hợp: Các cơ quan, đơn vị liên quan.

Thời gian thực hiện: Thường xuyên.

1.2.2. Nâng cao chất lượng tổ chức cơ sở đảng

- Củng cố tổ chức cơ sở đảng.

Cơ quan chủ trì tham mưu: Ban Tổ chức Tỉnh ủy.

Cơ quan phối hợp: Các cơ quan, đơn vị liên quan.

Thời gian thực hiện: Năm 2027.

2. Phát triển nông nghiệp và nông thôn

2.1. Mục tiêu: Phát triển nông nghiệp hiện đại.

2.2. Nhiệm vụ, giải pháp chủ yếu

2.2.1. Tái cơ cấu ngành nông nghiệp

- Phát triển vùng sản xuất tập trung.

2.2.2. Phát triển thủy lợi

- Nâng cấp hệ thống kênh mương.

2.2.3. Xây dựng nông thôn mới

- Nâng cao chất lượng các tiêu chí nông thôn mới.

Cơ quan chủ trì tham mưu: Đảng ủy Ủy ban nhân dân tỉnh.

Cơ quan phối hợp: Các sở, ngành, địa phương liên quan.

Thời gian thực hiện: Giai đoạn 2026-2030.
"""


def drafted_targets(text: str) -> list[tuple[str, Any, str]]:
    catalogue = draft_document(text).catalogue
    return [(t["kind"], t.get("value"), t["quote"]) for i in catalogue["indicators"] for t in i["targets"]]


def test_a_footnotes_listed_parts_are_not_targets() -> None:
    assert drafted_targets(FOOTNOTE_PLAN) == [("approx", "300", "² Khoảng 300 MW điện mặt trời")]


def test_the_head_of_a_footnote() -> None:
    assert footnote_head("¹ Khoảng 123 MW, gồm: nhà máy A 20MW; nhà máy B 60MW") == "¹ Khoảng 123 MW"
    assert footnote_head("¹ Khoảng 40 ha; khu A 15 ha, khu B 25 ha") == "¹ Khoảng 40 ha; khu A 15 ha, khu B 25 ha"
    kept = "² Tỷ lệ hộ nghèo: dưới 1% vào năm 2030"  # the colon before any figure states the target
    assert footnote_head(kept) == kept


def test_one_block_after_a_list_of_sub_headings_covers_the_list() -> None:
    tasks = draft_document(BLOCK_PROGRAMME).catalogue["tasks"]
    assert [(t["title_vi"], t.get("due"), t.get("review_every")) for t in tasks] == [
        ("Đổi mới công tác tuyên truyền", None, "year"),
        ("Nâng cao chất lượng tổ chức cơ sở đảng", "2027-12-31", None),
        ("Phát triển nông nghiệp và nông thôn", "2030-12-31", None),
    ]
    assert tasks[2]["section"] == "B.2.2.2"  # the list 2.2, not its last sub-heading 2.2.3


def test_a_block_after_each_sub_heading_stays_with_it() -> None:
    each = BLOCK_PROGRAMME.replace(
        "2.2.2. Phát triển thủy lợi",
        "Cơ quan chủ trì tham mưu: Sở Nông nghiệp.\n\nThời gian thực hiện: Năm 2026.\n\n2.2.2. Phát triển thủy lợi",
    )
    titles = [t["title_vi"] for t in draft_document(each).catalogue["tasks"]]
    assert titles[2:] == ["Tái cơ cấu ngành nông nghiệp", "Xây dựng nông thôn mới"]


BROKEN_HEADING = """CHƯƠNG TRÌNH HÀNH ĐỘNG
Thực hiện Nghị quyết Đại hội Đảng bộ tỉnh Hòa Sơn nhiệm kỳ 2025-2030

II. NHIỆM VỤ, GIẢI PHÁP

3.1.4. Lãnh đạo thực hiện nghiêm Quy định số 12-

QĐ/TW, ngày 05/3/2025 của Ban Chấp hành Trung ương; qua đó rà soát lại các quy chế làm việc của cấp ủy

- Rà soát, bổ sung quy chế làm việc.

Giao Văn phòng Tỉnh ủy chủ trì tham mưu, thực hiện thường xuyên.
"""


def test_a_heading_broken_at_a_hyphen_is_joined_to_its_clauses_end() -> None:
    (task,) = draft_document(BROKEN_HEADING).catalogue["tasks"]
    assert task["title_vi"] == (
        "Lãnh đạo thực hiện nghiêm Quy định số 12-QĐ/TW, ngày 05/3/2025 của Ban Chấp hành Trung ương"
    )


def test_rejoining_keeps_line_numbers_and_list_items() -> None:
    lines = ["3.1. Thực hiện Kết luận số 14-", "", "KL/TW; rà soát quy chế", "- Nội dung một -", "- Nội dung hai"]
    assert rejoin_broken_lines(lines) == [
        "3.1. Thực hiện Kết luận số 14-KL/TW", "", "rà soát quy chế", "- Nội dung một -", "- Nội dung hai",
    ]  # fmt: skip
    assert rejoin_broken_lines(["Phát triển kinh tế-", "xã hội bền vững."]) == [
        "Phát triển kinh tế-xã hội bền vững.",
        "",
    ]
