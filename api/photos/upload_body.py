"""Reading the one image of a `POST /photos` multipart body, within the photo byte cap.

The cap is checked on the declared Content-Length first and then on the bytes as they stream
in, so an oversized (or lying, or chunked) upload is cut off without being buffered whole.
"""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.types import Message

from api.photos.errors import PhotoRefused

# Room for the multipart boundaries and part headers around the image itself.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
FILE_FIELD = "file"


class _BodyOverCap(Exception):
    pass


def too_large(max_bytes: int) -> PhotoRefused:
    return PhotoRefused(
        413,
        "PAYLOAD_TOO_LARGE",
        f"The photo is over the cap of {max_bytes} bytes; send a smaller or more compressed one.",
    )


async def read_image_field(request: Request, max_bytes: int) -> bytes:
    """The bytes of the single file in the multipart field `file`, at most `max_bytes`."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "multipart/form-data":
        raise PhotoRefused(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"Send multipart/form-data with the image in the field {FILE_FIELD!r}.",
        )
    body_cap = max_bytes + MULTIPART_OVERHEAD_BYTES
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > body_cap):
        raise too_large(max_bytes)
    received = 0
    receive = request.receive

    async def counting_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > body_cap:
                raise _BodyOverCap
        return message

    limited = Request(request.scope, counting_receive)
    try:
        form = await limited.form(max_files=1, max_fields=20)
    except _BodyOverCap:
        raise too_large(max_bytes) from None
    except MultiPartException as exc:
        raise _malformed(exc.message) from exc
    except HTTPException as exc:  # Starlette's wrapping of MultiPartException inside an app
        raise _malformed(exc.detail) from exc
    try:
        files = form.getlist(FILE_FIELD)
        if len(files) != 1 or not isinstance(files[0], UploadFile):
            raise PhotoRefused(
                400,
                "BAD_USER_INPUT",
                f"Send exactly one image file in the multipart field {FILE_FIELD!r}.",
            )
        data = await files[0].read(max_bytes + 1)
    finally:
        await form.close()
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not data:
        raise PhotoRefused(400, "BAD_USER_INPUT", "The uploaded file is empty.")
    return data


def _malformed(detail: str) -> PhotoRefused:
    return PhotoRefused(400, "BAD_USER_INPUT", f"Malformed multipart body: {detail}")
