"""Text out of a document: plain text in UTF-8, UTF-16 or Windows-1258, .docx, or a .pdf with a text layer.

Windows-1258 writes Vietnamese tones as combining marks, and some UTF-8 files do too; everything leaves here in NFC,
so that the grammar sees one form of each letter. Lines are numbered as extracted (1-based): a draft's `line` fields
point into this text.
"""

import io
import re
import unicodedata
from pathlib import Path

MAX_BYTES = 50 * 1024 * 1024
"""The largest input read; a 50-page resolution is well under 1 MB as text and a few MB as .docx or .pdf."""


class DraftInputError(ValueError):
    """The input cannot be drafted from: empty, binary, too large, a PDF without a text layer. One line, Vietnamese
    first."""


def read_document(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The text of the file at `path`; the size is checked before anything is read."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise DraftInputError(f"không đọc được tệp (cannot read the file): {path}: {error.strerror}") from None
    if not path.is_file():
        raise DraftInputError(f"không phải tệp (not a file): {path}")
    check_size(size, max_bytes)
    return extract_text(path.read_bytes(), path.name, max_bytes)


def check_size(size: int, max_bytes: int = MAX_BYTES) -> None:
    if size > max_bytes:
        raise DraftInputError(
            f"tệp quá lớn (file too large): {size / 1024 / 1024:.1f} MB, giới hạn (limit) {max_bytes // 1024 // 1024} MB"
        )


def extract_text(data: bytes, name: str = "", max_bytes: int = MAX_BYTES) -> str:
    """The text of a document given as bytes; `name` only tells .docx and .pdf apart when the content is ambiguous."""
    check_size(len(data), max_bytes)
    if not data.strip():
        raise DraftInputError("tệp rỗng (the file is empty)")
    suffix = Path(name).suffix.lower()
    if data.startswith(b"%PDF") or suffix == ".pdf":
        text = _pdf_text(data)
    elif data.startswith(b"PK\x03\x04") or suffix == ".docx":
        text = _docx_text(data)
    else:
        text = decode_text(data)
    text = normalise(text)
    if not text.strip():
        raise DraftInputError("tệp không có chữ (the file contains no text)")
    return text


def decode_text(data: bytes) -> str:
    """Plain text: a BOM decides (UTF-8, UTF-16); then UTF-8; then Windows-1258. Binary data is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if _looks_utf16(data):
        return data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be", errors="replace")
    if b"\x00" in data[:4096] or _control_share(data[:4096]) > 0.05:
        raise DraftInputError("tệp nhị phân, không phải văn bản (binary file, not text, .docx or .pdf)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


def normalise(text: str) -> str:
    """NFC, one kind of line break, no-break spaces as spaces, no trailing blanks."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _looks_utf16(data: bytes) -> bool:
    sample = data[:200]
    return len(sample) >= 8 and (sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4)


def _control_share(sample: bytes) -> float:
    if not sample:
        return 0.0
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return controls / len(sample)


def _docx_text(data: bytes) -> str:
    import zipfile

    from docx import Document  # python-docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise DraftInputError(f"không đọc được tệp .docx (not a readable .docx file): {error}") from None
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells: list[str] = []
            for cell in row.cells:
                text = " ".join(cell.text.split())
                if not cells or cells[-1] != text:  # merged cells repeat their text
                    cells.append(text)
            lines.append("\t".join(cells))
    return "\n".join(lines)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise DraftInputError(f"không đọc được tệp PDF (not a readable PDF): {error}") from None
    text = "\n".join(pages)
    if len(re.sub(r"\s", "", text)) < 20:
        raise DraftInputError(
            "PDF không có lớp chữ (the PDF has no text layer: a scanned document; OCR it first, scans are out of scope)"
        )
    return text
