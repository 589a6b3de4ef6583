"""The printed SDL is a contract: it must equal the committed schema.graphql."""

from __future__ import annotations

from pathlib import Path

from api.schema.permissions import Requires
from api.schema.root import schema

SDL_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"
PUBLIC_FIELDS = {"login"}


def test_committed_sdl_matches_the_schema() -> None:
    printed = schema.as_str() + "\n"
    assert SDL_FILE.read_text() == printed, (
        "schema.graphql drifted: run `chainstore schema > schema.graphql` and review the diff"
    )


def test_every_root_field_declares_its_permission() -> None:
    """Nothing is reachable without a @requires, except signing in."""
    missing = []
    for type_name in ("Query", "Mutation", "Subscription"):
        root = schema.get_type_by_name(type_name)
        if root is None:
            continue
        for field in root.fields:  # type: ignore[union-attr]
            guarded = any(isinstance(d, Requires) for d in field.directives)
            if field.python_name not in PUBLIC_FIELDS and not guarded:
                missing.append(f"{type_name}.{field.python_name}")
    assert missing == []


def test_building_the_schema_again_prints_the_same_sdl() -> None:
    """Each app builds its schema; field extensions must not stack directives on re-use."""
    from api.schema.root import build_schema

    assert build_schema().as_str() == build_schema().as_str() == schema.as_str()


def test_every_request_shares_one_validation_cache() -> None:
    """The validation cache keys on the rule classes: extra rules made per request would never
    hit, so the limits are checked by the cache's own extension instead of added rules."""
    from strawberry.extensions import AddValidationRules

    from api.limits import ShapeCheckedValidation
    from api.schema.root import build_schema

    built = build_schema()

    def made() -> list[object]:
        return [factory() for factory in built.extensions if callable(factory)]

    first, second = made(), made()
    assert not any(isinstance(e, AddValidationRules) for e in first)
    caches = [e for e in first + second if isinstance(e, ShapeCheckedValidation)]
    assert len(caches) == 2
    assert caches[0] is not caches[1]
    assert caches[0].cached_validate_document is caches[1].cached_validate_document
