"""Lists of agencies as printed in a task ("Giao Sở Nội vụ, Tài chính; Ban Tổ chức, Ban Tuyên giáo Tỉnh ủy ...")
into one full name per agency.

Vietnamese lists share words between their items in two ways, and a name is only whole with them:
- an elided head: "Sở Nội vụ, Tài chính, Kế hoạch và Đầu tư" are three departments (Sở Nội vụ, Sở Tài chính,
  Sở Kế hoạch và Đầu tư); "các Ban: Tổ chức, Tuyên giáo" two Ban. The pieces after the first are capitalised; a
  piece in lower case continues the name ("Tiểu ban Tổ chức, phục vụ ...", "UBND các huyện, thị xã, thành phố").
  A sector's name may itself hold "," or "và" ("Văn hóa, Thể thao và Du lịch", "Khoa học và Công nghệ"): the
  national sector names below are kept whole.
- a shared qualifier at the end: "Tiểu ban Nhân sự, Tiểu ban Văn kiện và Tiểu ban Tổ chức, phục vụ Đại hội Đảng bộ
  tỉnh lần thứ XVIII" are three subcommittees of that congress; "Ban Tổ chức, Ban Tuyên giáo Tỉnh ủy" two bodies
  of the Provincial Party Committee. The qualifier (from its first word naming a body or a place: Tỉnh ủy, Đại
  hội, HĐND, tỉnh, huyện, của ...) is carried back to the items before it of the same kind that name none.
"""

import re

from indicators.draft.phrases import fold

# Splits between agencies of a part of a list: "," and "và" before the head of a new name.
_SPLIT = re.compile(
    r",\s*(?=(?:Ban|Sở|Đảng ủy|Ủy ban|UBND|BCS|Văn phòng|Tiểu ban|Huyện|Thành ủy|Công an|Bộ|Phòng|Chi cục|Cục)\b)|"
    r"\s+và\s+(?=(?:Ban|Sở|Đảng ủy|Ủy ban|các tổ chức|Văn phòng|Tiểu ban|Phòng|Chi cục|Cục)\b)"
)
# Heads whose repeats a list may leave out ("Sở Nội vụ, Tài chính"), with a plural lead-in ("các Sở: ...").
_ELIDABLE = re.compile(r"^(?P<lead>(?:các\s+)?(?P<head>Tiểu ban|Ban|Sở|Phòng|Chi cục|Cục)\s*:?\s+)(?P<rest>.+)$",
                       re.IGNORECASE)  # fmt: skip
_HEAD = re.compile(
    r"^(?:Tiểu ban|Ban Chỉ đạo|Ban cán sự đảng|Ban|Sở|Phòng|Chi cục|Cục|Văn phòng|Ủy ban Kiểm tra|Ủy ban nhân dân|"
    r"UBND|Đảng ủy|Trung tâm|Công an|Bộ Chỉ huy)\b",
    re.IGNORECASE,
)
# The organs of a party committee share its name as one kind: "Ban Tổ chức, Văn phòng Tỉnh ủy".
_PARTY_ORGANS = {"ban", "van phong", "uy ban kiem tra"}
_PARTY_SCOPE = re.compile(r"^(?:Tỉnh ủy|Thành ủy|Huyện ủy|Thị ủy|Quận ủy|Đảng ủy)\b")
# Where a name's qualifier starts: the body it belongs to or its place. Case matters: "Xã hội" is a sector.
_SCOPE = re.compile(
    r"(?<![\wÀ-ỹ])(?:Tỉnh ủy|Thành ủy|Huyện ủy|Thị ủy|Quận ủy|Đảng ủy|Đảng bộ|Đại hội|HĐND|Hội đồng nhân dân|UBND|"
    r"Ủy ban nhân dân|Trung ương|tỉnh|thành phố|huyện|thị xã|quận|của)(?![\wÀ-ỹ])"
)
# National sector names of departments (Sở, Phòng, Chi cục), party boards and congress subcommittees (Ban, Tiểu
# ban) and council committees (Ban of HĐND), before and after the 2025 mergers; accents folded. A piece of a list
# gets the head it left out only when it is one of them, and a "," or "và" inside them does not split.
_SECTOR_NAMES = (
    "Nội vụ; Tư pháp; Tài chính; Kế hoạch và Đầu tư; Công Thương; Xây dựng; Giao thông vận tải; "
    "Nông nghiệp và Phát triển nông thôn; Nông nghiệp và Môi trường; Tài nguyên và Môi trường; "
    "Khoa học và Công nghệ; Thông tin và Truyền thông; Giáo dục và Đào tạo; Y tế; Ngoại vụ; "
    "Lao động - Thương binh và Xã hội; Văn hóa, Thể thao và Du lịch; Văn hóa và Thể thao; Du lịch; "
    "Dân tộc và Tôn giáo; Dân tộc; Quy hoạch - Kiến trúc; Tài chính - Kế hoạch; Kinh tế - Hạ tầng; Kinh tế; "
    "Quản lý đô thị; Văn hóa - Thông tin; Văn hóa và Thông tin; Văn hóa - Thể thao; Tổ chức; Tuyên giáo; "
    "Dân vận; Nội chính; Tuyên giáo và Dân vận; Chính sách, chiến lược; Bảo vệ sức khỏe cán bộ; Văn kiện; "
    "Nhân sự; Điều lệ; Kinh tế - Xã hội; Pháp chế; Kinh tế - Ngân sách; Văn hóa - Xã hội; Đô thị; Thuế; "
    "Hải quan; Kiểm lâm; Thủy sản; Chăn nuôi và Thú y; Trồng trọt và Bảo vệ thực vật; Thủy lợi; "
    "Phát triển nông thôn; Quản lý thị trường"
)
_SECTORS = {fold(name) for name in _SECTOR_NAMES.split("; ")}


def _pieces(text: str) -> tuple[list[str], list[str]]:
    """A list split at each "," or "và" before a capital: its pieces and the separators before them ("" first)."""
    pieces, separators, start = [], [""], 0
    for found in re.finditer(r"\s*,\s+|\s+và\s+", text):
        if text[found.end() : found.end() + 1].isupper():
            pieces.append(text[start : found.start()])
            separators.append(found.group(0))
            start = found.end()
    pieces.append(text[start:])
    return pieces, separators


def split_agencies(text: str) -> list[str]:
    """The agencies a list names, each in full: "Ban Tổ chức, Tuyên giáo Tỉnh ủy; Sở Y tế" -> "Ban Tổ chức Tỉnh
    ủy", "Ban Tuyên giáo Tỉnh ủy", "Sở Y tế". A qualifier is shared within a part between ";" only."""
    names: list[str] = []
    for part in re.split(r";\s*", text.strip(" .;")):
        items = [piece.strip(" .,;-") for piece in _SPLIT.split(part)]
        expanded = [name for item in items if item for name in _undo_elision(item)]
        names.extend(_share_qualifier(expanded))
    return names


def is_short_name(name: str, words: int = 8) -> bool:
    """Whether a name reads as one agency's, not a phrase of several bodies and places: at most `words` words, or
    as many before its qualifier and in it ("Tiểu ban Nhân sự Đại hội Đảng bộ tỉnh lần thứ XVIII" is 3 + 7)."""
    qualifier = _qualifier(name) or ""
    if not qualifier or "," in qualifier:  # "tỉnh, các sở, ngành liên quan" goes on to other bodies
        return len(name.split()) <= words
    return len(name[: -len(qualifier)].split()) <= words and len(qualifier.split()) <= words


def is_generic(name: str) -> bool:
    return bool(re.match(r"^(?:các|những|cơ quan|đơn vị)\b.*(?:liên quan|địa phương|ngành)", name, re.IGNORECASE))


def _undo_elision(item: str) -> list[str]:
    """ "Sở Nội vụ, Tài chính và Xây dựng" -> "Sở Nội vụ", "Sở Tài chính", "Sở Xây dựng". Pieces are taken as the
    longest run naming a sector ("Văn hóa" + "Thể thao" + "Du lịch"); a piece naming none continues the name before
    it ("các huyện Hải Lăng, Triệu Phong")."""
    match = _ELIDABLE.match(item)
    if match is None:
        return [item]
    pieces, separators = _pieces(match.group("rest"))
    merged: list[str] = []
    index = 0
    while index < len(pieces):
        run = _sector_run(pieces, separators, index)
        joined = "".join(separators[k] + pieces[k] for k in range(index, index + max(run, 1)))
        if run == 0 and merged:
            merged[-1] += joined
        else:
            merged.append(joined.removeprefix(separators[index]))
        index += max(run, 1)
    if len(merged) == 1:
        return [item]
    head = match.group("head")
    head = head[:1].upper() + head[1:].lower()
    plural = match.group("lead").lower().startswith("các")
    first = f"{head} {merged[0]}" if plural else item[: match.end("lead")] + merged[0]
    return [name.strip(" ,") for name in [first, *(f"{head} {piece}" for piece in merged[1:])]]


def _sector_run(pieces: list[str], separators: list[str], start: int) -> int:
    """How many pieces from `start` name one sector, the longest first ("Văn hóa", "Thể thao", "Du lịch": 3);
    0 when none does. The last piece of the run may carry a qualifier ("Dân vận Tỉnh ủy")."""
    for end in range(len(pieces), start, -1):
        text = pieces[start] + "".join(separators[k] + pieces[k] for k in range(start + 1, end))
        if fold(_core(text)) in _SECTORS:
            return end - start
    return 0


def _core(piece: str) -> str:
    """A piece of a list without its qualifier: "Tuyên giáo Tỉnh ủy" -> "Tuyên giáo"."""
    found = _SCOPE.search(piece)
    return piece[: found.start()].strip(" ,") if found else piece


def _share_qualifier(names: list[str]) -> list[str]:
    """The last name's qualifier given to the names before it of the same kind that have none."""
    if len(names) < 2:
        return names
    last_head = _head_of(names[-1])
    qualifier = _qualifier(names[-1])
    if last_head is None or qualifier is None:
        return names
    shared = list(names)
    for index in range(len(names) - 2, -1, -1):
        head = _head_of(names[index])
        if head is None or _qualifier(names[index]) is not None:
            break
        same_kind = head == last_head or (head in _PARTY_ORGANS and last_head in _PARTY_ORGANS
                                          and _PARTY_SCOPE.match(qualifier) is not None)  # fmt: skip
        if not same_kind:
            break
        shared[index] = f"{names[index]} {qualifier}"
    return shared


def _head_of(name: str) -> str | None:
    match = _HEAD.match(name)
    return fold(match.group(0)) if match else None


def _qualifier(name: str) -> str | None:
    """The words of a name from its first word of a body or a place after its head: "Tiểu ban Tổ chức, phục vụ
    Đại hội Đảng bộ tỉnh" -> "Đại hội Đảng bộ tỉnh"; "Văn phòng Tỉnh ủy" -> "Tỉnh ủy"; "Sở Y tế" -> None."""
    head = _HEAD.match(name)
    found = _SCOPE.search(name, head.end()) if head else None
    return name[found.start() :].strip(" ,") if found else None
