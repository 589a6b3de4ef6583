"""The GraphQL face of an uploaded photo; the bytes are served by GET /photos/{uuid} (the
photo's UUID: `url`, not its global `id`)."""

from __future__ import annotations

import strawberry
from strawberry import relay

from api.domain import global_ids
from api.domain.photo_links import PhotoRef


@strawberry.type(
    description="A photo uploaded with POST /photos. Fetch `url` or `thumbnailUrl` with your "
    "bearer token; only staff who may see what it is attached to get the bytes."
)
class Photo(relay.Node):
    id: relay.NodeID[str]
    width: int
    height: int
    url: str = strawberry.field(description="Path of the full image (JPEG, PNG or WebP).")
    thumbnail_url: str = strawberry.field(description="Path of a small JPEG preview.")
    detail: str | None = strawberry.field(
        description="What it shows evidence for within its subject (e.g. the checklist item)."
    )

    @classmethod
    def from_ref(cls, ref: PhotoRef, *, detail_type: str | None = None) -> Photo:
        """`detail_type`: the type whose id the detail is (a shift's checklist item)."""
        detail = ref.detail
        if detail_type is not None and detail is not None:
            detail = global_ids.encode(detail_type, detail)
        return cls(
            id=str(ref.id),
            width=ref.width,
            height=ref.height,
            url=f"/photos/{ref.id}",
            thumbnail_url=f"/photos/{ref.id}/thumbnail",
            detail=detail,
        )
