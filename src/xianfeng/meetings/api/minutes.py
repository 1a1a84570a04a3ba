"""Minutes under the AB rule: writing, submitting, approving, returning, amending,
attachments and the PDF."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, File, Form, Schema, Status
from ninja.files import UploadedFile

from xianfeng.common.apitools import Id, errors
from xianfeng.common.types import actor_of
from xianfeng.meetings import rules, selectors, services
from xianfeng.meetings.api._shared import (
    BINARY,
    AttachmentOut,
    MeetingDetail,
    _attachment,
    _detail,
    _meeting,
    router,
)
from xianfeng.meetings.exports import minutes_pdf_response


class MinutesIn(Schema):
    agenda: str = Field("", max_length=20000)
    discussion: str = Field("", max_length=20000)
    resolutions: str = Field("", max_length=20000)
    film: str = Field("", max_length=100)
    practice: str = Field("", max_length=20000)


@router.put(
    "/{int:meeting_id}/minutes",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="填写会议记录（记录人A，或代记的B）",
)
def minutes_put(request: HttpRequest, meeting_id: Id, body: MinutesIn) -> dict[str, Any]:
    meeting = _meeting(request, meeting_id)
    if not rules.can_read_minutes(request.user, meeting):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("只有记录人可以填写会议记录")
    services.minutes_save(
        actor=actor_of(request), meeting=meeting, data=services.MinutesData(**body.dict())
    )
    return _detail(request, _meeting(request, meeting_id))


class MinutesNoteIn(Schema):
    note: str = Field(..., max_length=500)


@router.post(
    "/{int:meeting_id}/minutes/submit",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="提交记录审核",
)
def minutes_submit(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    services.minutes_submit(actor=actor_of(request), meeting=_meeting(request, meeting_id))
    return _detail(request, _meeting(request, meeting_id))


@router.post(
    "/{int:meeting_id}/minutes/approve",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="审核通过（记录人B）",
)
def minutes_approve(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    services.minutes_approve(actor=actor_of(request), meeting=_meeting(request, meeting_id))
    return _detail(request, _meeting(request, meeting_id))


@router.post(
    "/{int:meeting_id}/minutes/return",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="退回修改",
)
def minutes_return(request: HttpRequest, meeting_id: Id, body: MinutesNoteIn) -> dict[str, Any]:
    services.minutes_return(
        actor=actor_of(request), meeting=_meeting(request, meeting_id), note=body.note
    )
    return _detail(request, _meeting(request, meeting_id))


@router.post(
    "/{int:meeting_id}/archive",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="归档",
)
def archive(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    services.meeting_archive(actor=actor_of(request), meeting=_meeting(request, meeting_id))
    return _detail(request, _meeting(request, meeting_id))


class AmendIn(Schema):
    changes: dict[str, Annotated[str, Field(max_length=20000)]] = Field(..., max_length=10)
    note: str = Field(..., max_length=500)


@router.post(
    "/{int:meeting_id}/amend",
    response={200: MeetingDetail, **errors(400, 403, 404)},
    summary="修订已审核的记录（留痕）",
)
def amend(request: HttpRequest, meeting_id: Id, body: AmendIn) -> dict[str, Any]:
    services.meeting_amend(
        actor=actor_of(request),
        meeting=_meeting(request, meeting_id),
        changes=body.changes,
        note=body.note,
    )
    return _detail(request, _meeting(request, meeting_id))


@router.post(
    "/{int:meeting_id}/attachments",
    response={200: AttachmentOut, **errors(400, 403, 404)},
    summary="上传会议照片或签到表扫描件",
)
def attachment_add(
    request: HttpRequest,
    meeting_id: Id,
    kind: Form[str],
    image: File[UploadedFile],
) -> dict[str, Any]:
    meeting = _meeting(request, meeting_id)
    a = services.attachment_add(
        actor=actor_of(request),
        meeting=meeting,
        kind=kind,
        handle=image,
        size=image.size or 0,
        name=image.name or "",
    )
    return _attachment(a)


@router.get(
    "/{int:meeting_id}/attachments/{int:attachment_id}",
    url_name="meeting_attachment",
    response={200: None, **errors(404)},
    summary="会议照片或签到表（size=thumb 为缩略图）",
    openapi_extra={
        "responses": {200: {"description": "JPEG", "content": {"image/jpeg": {"schema": BINARY}}}}
    },
)
def attachment(
    request: HttpRequest, meeting_id: Id, attachment_id: Id, size: str = ""
) -> FileResponse:
    from django.http import Http404

    item = selectors.get_attachment_for_user(request.user, meeting_id, attachment_id)
    field = item.thumb if size == "thumb" else item.image
    try:
        handle = field.open("rb")
    except OSError as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@router.delete(
    "/{int:meeting_id}/attachments/{int:attachment_id}",
    response={204: None, **errors(400, 403, 404)},
    summary="删除会议照片或签到表",
)
def attachment_delete(request: HttpRequest, meeting_id: Id, attachment_id: Id) -> Status[None]:
    item = selectors.get_attachment_for_user(request.user, meeting_id, attachment_id)
    services.attachment_delete(actor=actor_of(request), attachment=item)
    return Status(204, None)


@router.get(
    "/{int:meeting_id}/minutes.pdf",
    url_name="meeting_pdf",
    response={200: None, **errors(403, 404)},
    summary="会议记录 PDF",
    openapi_extra={
        "responses": {
            200: {"description": "PDF", "content": {"application/pdf": {"schema": BINARY}}}
        }
    },
)
def minutes_pdf(request: HttpRequest, meeting_id: Id) -> HttpResponse:
    return minutes_pdf_response(request.user, meeting_id)
