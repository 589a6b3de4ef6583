"""The GraphQL face of an uploaded photo; the bytes are served by GET /photos/{id}."""

from __future__ import annotations

import strawberry

from api.domain.photo_links import PhotoRef


@strawberry.type(
    description="A photo uploaded with POST /photos. Fetch `url` or `thumbnailUrl` with your "
    "bearer token; only staff who may see what it is attached to get the bytes."
)
class Photo:
    id: strawberry.ID
    width: int
    height: int
    url: str = strawberry.field(description="Path of the full image (JPEG, PNG or WebP).")
    thumbnail_url: str = strawberry.field(description="Path of a small JPEG preview.")
    detail: str | None = strawberry.field(
        description="What it shows evidence for within its subject (e.g. the checklist item)."
    )

    @classmethod
    def from_ref(cls, ref: PhotoRef) -> Photo:
        return cls(
            id=strawberry.ID(str(ref.id)),
            width=ref.width,
            height=ref.height,
            url=f"/photos/{ref.id}",
            thumbnail_url=f"/photos/{ref.id}/thumbnail",
            detail=ref.detail,
        )
