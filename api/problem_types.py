"""The problem types the API answers with (RFC 9457 `type` URIs, /problems/<slug>), the page of each, and which
type each error of the tree (indicators/errors.py) is answered with."""

import html
from dataclasses import dataclass
from typing import Any

from indicators.catalogue import CatalogueError
from indicators.errors import (
    CatalogueLoadRefused,
    ChitieuError,
    ConfigurationError,
    InvalidInput,
    NotFound,
    OperationFailed,
    ScopeError,
)
from ingest.observations import BatchRejected, OutOfScope, TooManyRows
from ingest.submit import UnsupportedMediaType
from ingest.workbook_file import WorkbookRefused, WorkbookTooLarge


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem the API answers with; its page is served at /problems/<slug>."""

    slug: str
    status: int
    title_vi: str
    title_en: str
    what_to_do_vi: str
    what_to_do_en: str


# Every problem type the API can emit. A Problem names one by its slug; tests check that every slug in the code is here.
PROBLEM_TYPES: dict[str, ProblemType] = {
    t.slug: t
    for t in [
        ProblemType(
            "unreadable-body", 400, "Không đọc được dữ liệu", "Unreadable body",
            "Nội dung không phải JSON hoặc CSV hợp lệ (UTF-8, đủ cột, không lặp cột). Sửa tệp rồi gửi lại.",
            "The body is not valid JSON or CSV (UTF-8, the required columns, none repeated). Fix it and send again.",
        ),
        ProblemType(
            "invalid-request", 422, "Yêu cầu không hợp lệ", "Invalid request",
            "Tham số hoặc nội dung không khớp đặc tả; trường `errors` chỉ rõ trường nào sai.",
            "A parameter or the body does not match the schema; `errors` names each field at fault.",
        ),
        ProblemType(
            "invalid-rows", 422, "Số liệu không hợp lệ, chưa ghi dòng nào", "Invalid rows, nothing written",
            "Trường `errors` liệt kê từng dòng sai (số dòng, trường, lý do). Sửa các dòng đó, hoặc gửi partial=true "
            "để ghi các dòng đúng.",
            "`errors` lists each bad row (row number, field, reason). Fix them, or send partial=true to write the "
            "valid rows.",
        ),
        ProblemType(
            "invalid-value", 422, "Giá trị không hợp lệ", "Invalid value",
            "Một chuỗi chứa ký tự NUL hoặc ký tự Unicode lỗi, không lưu được.",
            "A text holds a NUL character or a lone surrogate and cannot be stored.",
        ),
        ProblemType(
            "unauthorized", 401, "Cần khóa API hợp lệ", "A valid API key is required",
            "Gửi khóa của cơ quan: `Authorization: Bearer ctk_...`. Khóa bị thu hồi hoặc hết hạn không dùng được.",
            "Send the office's key as `Authorization: Bearer ctk_...`. A revoked or expired key is refused.",
        ),
        ProblemType(
            "out-of-scope", 403, "Ngoài phạm vi được giao", "Out of scope",
            "Khóa này không được ghi hoặc đọc các địa bàn, chương trình đó; không có gì được ghi.",
            "This key may not write or read those regions or programmes; nothing was written.",
        ),
        ProblemType(
            "not-found", 404, "Không tìm thấy", "Not found",
            "Mã trong đường dẫn hoặc bộ lọc không có trong danh mục.",
            "A code in the path or a filter is not in the catalogue.",
        ),
        ProblemType(
            "method-not-allowed", 405, "Phương thức không được phép", "Method not allowed",
            "Đường dẫn này không nhận phương thức HTTP đó; xem /docs.",
            "This path does not take that HTTP method; see /docs.",
        ),
        ProblemType(
            "conflict", 409, "Xung đột với dữ liệu đã có", "Conflict with stored data",
            "Yêu cầu sẽ làm mất dữ liệu đã lưu nên bị từ chối; không có gì thay đổi. Xem `detail`.",
            "The request would lose stored data and was refused; nothing changed. See `detail`.",
        ),
        ProblemType(
            "payload-too-large", 413, "Dữ liệu gửi quá lớn", "Payload too large",
            "Chia tệp thành nhiều lần gửi nhỏ hơn giới hạn `limit_bytes`.",
            "Split the file into batches below `limit_bytes`.",
        ),
        ProblemType(
            "too-many-rows", 413, "Quá nhiều dòng trong một lần gửi", "Too many rows",
            "Chia tệp thành nhiều lần gửi, mỗi lần tối đa `limit_rows` dòng.",
            "Split the file into batches of at most `limit_rows` rows.",
        ),
        ProblemType(
            "unsupported-media-type", 415, "Định dạng không hỗ trợ", "Unsupported media type",
            "Gửi với Content-Type application/json hoặc text/csv.",
            "Send Content-Type application/json or text/csv.",
        ),
        ProblemType(
            "rate-limited", 429, "Gửi quá nhiều yêu cầu", "Too many requests",
            "Chờ số giây trong Retry-After rồi gửi lại; không có gì được ghi.",
            "Wait the seconds given in Retry-After and send again; nothing was written.",
        ),
        ProblemType(
            "client-closed", 499, "Máy khách đã ngắt kết nối", "Client closed the request",
            "Kết nối bị đóng trước khi gửi hết dữ liệu; không có gì được ghi. Gửi lại.",
            "The connection closed before the whole body arrived; nothing was written. Send again.",
        ),
        ProblemType(
            "internal-error", 500, "Lỗi hệ thống", "Internal error",
            "Lỗi phía máy chủ, đã được ghi nhật ký. Báo cho quản trị viên kèm thời điểm.",
            "A server fault, logged. Tell the administrator the time it happened.",
        ),
        ProblemType(
            "database-unavailable", 503, "Cơ sở dữ liệu tạm thời không sẵn sàng", "Database unavailable",
            "Không có gì được ghi. Gửi lại sau số giây trong Retry-After.",
            "Nothing was written. Send again after the seconds given in Retry-After.",
        ),
        ProblemType(
            "database-read-only", 503, "Cơ sở dữ liệu chỉ đọc", "Database not writable",
            "Máy chủ cơ sở dữ liệu đang là bản sao chỉ đọc (có thể đang chuyển đổi dự phòng). Thử lại sau ít phút.",
            "The database is a read-only replica, perhaps during a failover. Try again in a few minutes.",
        ),
        ProblemType(
            "not-ready", 503, "Dịch vụ chưa sẵn sàng", "Service not ready",
            "Dịch vụ đang khởi động hoặc cơ sở dữ liệu chưa cập nhật (chitieu db migrate).",
            "The service is starting or the database needs its migrations (chitieu db migrate).",
        ),
        ProblemType(
            "timeout", 504, "Yêu cầu quá thời gian", "Request timeout",
            "Một lần ghi vẫn có thể hoàn tất; gửi lại là an toàn vì giá trị trùng được bỏ qua.",
            "A write may still complete; sending it again is safe, since identical values are ignored.",
        ),
        ProblemType(
            "http-error", 400, "Lỗi HTTP", "HTTP error",
            "Yêu cầu không được chấp nhận; xem `status` và `detail`.",
            "The request was refused; see `status` and `detail`.",
        ),
    ]
}  # fmt: skip
# The type of a problem raised without one: never about:blank.
TYPE_FOR_STATUS = {t.status: t.slug for t in reversed(PROBLEM_TYPES.values()) if t.slug != "http-error"}


# Each kind of error of the tree in indicators/errors.py -> its problem type; an error takes the entry of the nearest
# class in its ancestry, so a new subclass is answered as its parent until it gets its own line.
PROBLEM_OF_ERROR: dict[type[ChitieuError], str] = {
    BatchRejected: "invalid-rows",
    TooManyRows: "too-many-rows",
    WorkbookTooLarge: "payload-too-large",
    WorkbookRefused: "unsupported-media-type",
    UnsupportedMediaType: "unsupported-media-type",
    CatalogueError: "invalid-request",
    InvalidInput: "unreadable-body",
    CatalogueLoadRefused: "conflict",
    NotFound: "not-found",
    ScopeError: "out-of-scope",
    ConfigurationError: "not-ready",
    OperationFailed: "internal-error",
    ChitieuError: "internal-error",
}


def problem_type_of(error: ChitieuError) -> ProblemType:
    """The problem type an error of the tree is answered with."""
    slug = next(PROBLEM_OF_ERROR[kind] for kind in type(error).__mro__ if kind in PROBLEM_OF_ERROR)
    return PROBLEM_TYPES[slug]


def problem_members(error: ChitieuError) -> dict[str, Any]:
    """What a client reads in the problem of an error besides its detail: the rows at fault, the limit passed."""
    if isinstance(error, BatchRejected | OutOfScope):
        return error.answer()
    if isinstance(error, TooManyRows):
        return {"limit_rows": error.limit}
    return {}


def problem_page(problem_type: ProblemType) -> str:
    """The short page a problem's `type` URI leads to, Vietnamese first, English beside."""
    t = {name: html.escape(str(value)) for name, value in vars(problem_type).items()}
    return (
        '<!doctype html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{t['title_vi']} ({t['title_en']})</title></head><body>\n"
        f"<h1>{t['title_vi']}</h1>\n<p><i>{t['title_en']}</i> — HTTP {t['status']}</p>\n"
        f'<p>{t["what_to_do_vi"]}</p>\n<p lang="en"><i>{t["what_to_do_en"]}</i></p>\n'
        "<p>Mọi lỗi là RFC 9457 problem details (<code>application/problem+json</code>): "
        "<code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code>.</p>\n</body></html>\n"
    )
