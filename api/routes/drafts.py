"""POST /v1/catalogue/drafts: a catalogue draft (YAML) from an uploaded document, for a key with the catalogue scope.

The document is the raw request body (text, .docx or .pdf; `filename` tells the kind when the content does not).
The catalogue scope is a key for every programme (`chitieu keys create --programmes '*'`): drafting a catalogue
reaches beyond any one programme. (A "catalogue" entry in the programme list is accepted too, for a future
scopes column; ingest/keys.py refuses unknown programme names today.)
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.auth import KeyDep
from api.problems import Problem, problem_doc
from indicators.draft.build import draft_document
from indicators.draft.text import MAX_BYTES, DraftInputError, extract_text
from ingest.keys import ALL

CATALOGUE_SCOPE = "catalogue"

router = APIRouter(prefix="/v1/catalogue", tags=["catalogue"])


def _draft(body: bytes, filename: str, programme: str | None, region: str | None, year: int | None) -> tuple[str, int]:
    draft = draft_document(extract_text(body, filename), programme=programme, region=region, year=year)
    return draft.yaml(), len(draft.review)


@router.post(
    "/drafts",
    summary="Bản dự thảo danh mục từ văn bản (draft a catalogue from a document)",
    response_class=Response,
    responses={
        200: {"content": {"application/yaml": {}}, "description": "The draft, in the catalogue's schema."},
        400: problem_doc("Không đọc được văn bản: rỗng, nhị phân, PDF không có chữ (unreadable document)"),
        413: problem_doc("Tệp quá lớn (file too large)"),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The document: text (UTF-8, UTF-16, Windows-1258), .docx or .pdf with a text layer.",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def create_draft(
    request: Request,
    key: KeyDep,
    filename: Annotated[str, Query(max_length=255, description="e.g. nghi-quyet.docx; tells .docx/.pdf apart")] = "",
    programme: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)] = None,
    region: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> Response:
    if CATALOGUE_SCOPE not in key.programmes and ALL not in key.programmes:
        raise Problem(403, "Khóa không có quyền danh mục (the key has no catalogue scope)",
                      "Drafting needs a key for every programme: `chitieu keys create --programmes '*'`.", slug="out-of-scope")  # fmt: skip
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise Problem(413, "Tệp quá lớn (file too large)", f"The limit is {MAX_BYTES // 1024 // 1024} MB.",
                      slug="payload-too-large")  # fmt: skip
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BYTES:
            raise Problem(413, "Tệp quá lớn (file too large)", f"The limit is {MAX_BYTES // 1024 // 1024} MB.",
                          slug="payload-too-large")  # fmt: skip
    try:
        text, notes = await run_in_threadpool(_draft, bytes(body), filename, programme, region, year)
    except DraftInputError as error:
        raise Problem(400, "Không đọc được văn bản (unreadable document)", str(error), slug="unreadable-body") from None
    return Response(text, media_type="application/yaml; charset=utf-8", headers={"X-Review-Notes": str(notes)})
