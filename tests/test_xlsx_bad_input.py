"""Bad workbooks: each a clear 4xx over HTTP with nothing written, and the reader's limits on time and memory."""

import io
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from ingest.formats import InputError
from ingest.workbook_file import OLE2_MAGIC, WorkbookTooLarge, check_workbook
from ingest.xlsx_reader import read_workbook
from tests.ingest_helpers import make_key

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def post(
    client: httpx.Client, token: str, body: bytes, content_type: str = XLSX, timeout: float = 60, **params: Any
) -> httpx.Response:
    return client.post(
        "/v1/observations",
        content=body,
        params=params,
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
        timeout=timeout,
    )


def observations(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT count(*) FROM observations").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def token(db_url: str) -> str:
    return make_key(db_url)


def encrypted_workbook() -> bytes:
    """The shape of a password-protected .xlsx: an OLE2 compound file whose directory names an EncryptedPackage
    stream (LibreOffice 7.4 did not encrypt an .xlsx stored from a script; its password-protected .xls is a fixture)."""
    directory = b"".join(
        name.encode("utf-16-le").ljust(64, b"\0") + len(name.encode("utf-16-le") + b"\0\0").to_bytes(2, "little")
        for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage")
    )
    return OLE2_MAGIC + bytes(504) + directory + bytes(4096)


def zip_bytes(members: dict[str, bytes], compresslevel: int = 9) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


BAD_BODIES = {
    "password-protected .xls (LibreOffice)": (lambda: (FIXTURES / "password.xls").read_bytes(), 400, "mật khẩu"),
    "password-protected .xlsx (its container)": (encrypted_workbook, 400, "mật khẩu"),
    "corrupt zip": (lambda: (FIXTURES / "template-filled.xlsx").read_bytes()[:3000], 400, "bị hỏng"),
    "a CSV named .xlsx": (lambda: b"indicator;region;period;value\nx;y;2023;1\n", 400, "CSV"),
    "a zip that is no workbook": (lambda: zip_bytes({"readme.txt": b"hello"}), 400, "không phải workbook"),
    "macro-enabled .xlsm": (lambda: (FIXTURES / "macro-enabled.xlsm").read_bytes(), 415, "macro"),
}


@pytest.mark.parametrize(("make", "status", "words"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_workbooks_are_a_clear_4xx_and_nothing_is_written(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any], make: Any, status: int, words: str
) -> None:
    response = post(client, token, make())
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in problem["detail"]
    assert observations(conn) == 0


def test_a_macro_enabled_content_type_is_refused(client: httpx.Client, token: str) -> None:
    body = (FIXTURES / "macro-enabled.xlsm").read_bytes()
    response = post(client, token, body, "application/vnd.ms-excel.sheet.macroEnabled.12")
    assert response.status_code == 415


def test_a_zip_bomb_is_stopped_at_the_limit_whatever_its_directory_says() -> None:
    sheet = b"<worksheet><sheetData>" + b" " * (64 * 1024 * 1024) + b"</sheetData></worksheet>"
    body = zip_bytes(
        {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": sheet}
    )
    assert len(body) < 200_000  # 64 MiB of spaces packs to almost nothing
    with pytest.raises(WorkbookTooLarge):
        check_workbook(body, max_unpacked=16 * 1024 * 1024)


def test_a_member_that_unpacks_to_more_than_it_declares_is_refused() -> None:
    honest = zip_bytes(
        {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook>" + b"x" * 5000 + b"</workbook>"}
    )
    # Make the directory lie: declare 100 bytes for the 5,010-byte member (local header and central directory).
    lying = honest.replace((5021).to_bytes(4, "little"), (100).to_bytes(4, "little"))
    assert lying != honest
    with pytest.raises(InputError):
        read_workbook(lying, lambda code: None)


def test_a_header_on_row_5_under_a_title_block_is_found() -> None:
    rows = read_workbook((FIXTURES / "several-sheets.xlsx").read_bytes(), lambda code: None)
    assert (rows.sheet, rows.header_row) == ("Dữ liệu", 5)


def test_a_workbook_without_a_header_names_the_sheets_it_looked_at() -> None:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("Tổng hợp").write_row(0, 0, ["Chỉ tiêu", "Giá trị"])
    book.close()
    body = out.getvalue()
    with pytest.raises(InputError, match="Tổng hợp"):
        read_workbook(body, lambda code: None)


EMPTY_ROWS = 1_000_000


def empty_formatted_rows_workbook(path: Path) -> None:
    """About 50 MB: a header, one data row, then a million rows of twenty formatted empty cells (600 MB of XML)."""
    columns = [chr(65 + i) for i in range(20)]
    row = '<row r="%d" s="1" customFormat="1">' + "".join(f'<c r="{c}%d" s="1"/>' for c in columns) + "</row>"
    fields = row.count("%d")

    def sheet() -> Iterator[bytes]:
        yield (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
            b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
            + b"".join(f'<c r="{c}1" t="inlineStr"><is><t>{name}</t></is></c>'.encode()
                       for c, name in zip("ABCD", ["indicator", "region", "period", "value"], strict=True))
            + b'</row><row r="2"><c r="A2" t="inlineStr"><is><t>dthap-2023.grdp_growth</t></is></c>'
            b'<c r="B2" t="inlineStr"><is><t>dong_thap</t></is></c><c r="C2" t="inlineStr"><is><t>2023-Q2</t></is>'
            b'</c><c r="D2"><v>7.3</v></c></row>'
        )  # fmt: skip
        for start in range(3, EMPTY_ROWS + 3, 10_000):
            yield "".join(row % ((number,) * fields) for number in range(start, start + 10_000)).encode()
        yield b"</sheetData></worksheet>"

    workbook = (
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S\xe1\xbb\x91 li\xe1\xbb\x87u" '
        b'sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    relationships = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        b'Target="worksheets/sheet1.xml"/></Relationships>'
    )
    types = (
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
        b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        b'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    )
    root = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        b'Target="xl/workbook.xml"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", root)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", relationships)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for chunk in sheet():
                member.write(chunk)


@pytest.fixture(scope="module")
def million_empty_rows(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("xlsx") / "empty-rows.xlsx"
    empty_formatted_rows_workbook(path)
    return path.read_bytes()


def test_a_million_empty_formatted_rows_stop_at_the_first_empty_block(million_empty_rows: bytes) -> None:
    assert 40e6 < len(million_empty_rows) < 64 * 1024 * 1024
    peak = [0.0]
    done = threading.Event()

    def watch() -> None:  # the reader's own growth, sampled (ru_maxrss only grows)
        import os

        while not done.is_set():
            resident = int(Path(f"/proc/{os.getpid()}/statm").read_text().split()[1])
            peak[0] = max(peak[0], resident * os.sysconf("SC_PAGE_SIZE") / 2**20)
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.perf_counter()
    try:
        rows = read_workbook(million_empty_rows, lambda code: None)
        read = list(rows)
    finally:
        done.set()
        watcher.join()
    elapsed = time.perf_counter() - started
    assert [number for number, _ in read] == [2]
    assert read[0][1]["value"] == 7.3
    assert "dòng 2" in rows.notices[0] and "stopped reading after row 2" in rows.notices[0]
    assert elapsed < 10, f"{elapsed:.1f} s"  # about 0.2 s alone; the whole sheet through calamine is 9 s
    assert peak[0] < 1024, f"{peak[0]:.0f} MiB resident"


def test_over_http_the_empty_rows_say_where_reading_stopped(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any], million_empty_rows: bytes
) -> None:
    response = post(client, token, million_empty_rows, timeout=120)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["imported"] == 1
    assert "stopped reading after row 2" in answer["notices"][0]
    assert observations(conn) == 1


def test_a_workbook_over_the_body_limit_is_413(api_url: str, token: str) -> None:
    body = (FIXTURES / "template-filled.xlsx").read_bytes() + bytes(65 * 1024 * 1024)
    with httpx.Client(base_url=api_url, timeout=60) as client:
        response = post(client, token, body)
    assert response.status_code == 413
