"""Limits that cost time linear in the document: fragments that spread each other twice, and
fields repeated under one name, are refused before any validation rule walks them; cost uses
the values an operation will run with, its variables' defaults included."""

from __future__ import annotations

import itertools
import uuid

import pytest
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, Visitor, parse, visit

from api.query_shape import CostMeter, ShapeMeter, operations_of
from tests.conftest import Api

MODERN = {"accept": "application/graphql-response+json"}


def doubling_fragments(n: int) -> str:
    """`query { ...F0 }` where each fragment spreads the next one twice: 2^n fields expanded."""
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(n))
    # A unique comment, as an attacker would add, misses the parser and validation caches.
    return f"# {uuid.uuid4()}\nquery {{ ...F0 }} {chain} fragment F{n} on Query {{ __typename }}"


def selections_in(source: str) -> int:
    """Fields, spreads and inline fragments as written (not expanded)."""

    class Count(Visitor):
        seen = 0

        def enter(self, node: object, *_: object) -> None:
            if isinstance(node, FieldNode | FragmentSpreadNode | InlineFragmentNode):
                Count.seen += 1

    visit(parse(source), Count())
    return Count.seen


@pytest.mark.parametrize("n", [5, 10, 20, 40, 80])
def test_measuring_the_shape_visits_each_selection_a_bounded_number_of_times(n: int) -> None:
    source = doubling_fragments(n)
    meter = ShapeMeter(parse(source))
    shape = meter.document_shape()
    assert shape.fields == 2**n  # what a path-by-path walker would have to visit
    # Linear: twice per selection as written (once for the shape, once for repeated names).
    assert meter.visited <= 2 * selections_in(source)


@pytest.mark.parametrize("n", [5, 10, 20, 40, 80])
def test_costing_visits_each_selection_once(n: int) -> None:
    document = parse(doubling_fragments(n))
    meter = CostMeter(document, operations_of(document)[0], {})
    assert meter.cost() == 0  # __typename costs nothing, however often it is spread
    assert meter.visited <= selections_in(doubling_fragments(n))


def test_the_measure_grows_linearly_with_the_document() -> None:
    visited = [ShapeMeter(parse(doubling_fragments(n))).visited for n in (10, 20, 40, 80)]
    steps = [later - earlier for earlier, later in itertools.pairwise(visited)]
    # Each doubling of n adds as much work as the fragments it adds, not twice the total.
    assert steps[1] == 2 * steps[0] and steps[2] == 2 * steps[1], visited


async def test_an_anonymous_fragment_explosion_is_refused_before_validation(api: Api) -> None:
    for n in (21, 22, 60):
        response = await api.post(doubling_fragments(n), headers=MODERN)
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "selects more than 5000 fields once its fragments are expanded" in error["message"]
    health = await api.client.get("/healthz")
    assert health.status_code == 200


async def test_fields_repeated_under_one_name_are_refused(api: Api) -> None:
    token = await api.token_for("ops")
    repeated = "{ " + " ".join(["me { username }"] * 31) + " }"
    result = (await api.post(repeated, token=token)).json()
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "31 fields share one response name" in result["errors"][0]["message"]
    # Spread through fragments, they count the same.
    spread = (
        "{ ...A ...B } fragment A on Query { " + " ".join(["me { username }"] * 16) + " }"
        " fragment B on Query { " + " ".join(["me { role }"] * 16) + " }"
    )
    assert "32 fields share" in (await api.post(spread, token=token)).json()["errors"][0]["message"]
    fine = "{ " + " ".join(["me { username }"] * 30) + " }"
    assert "errors" not in (await api.post(fine, token=token)).json()


async def test_cost_uses_the_variables_defaults(api: Api) -> None:
    token = await api.token_for("ops")
    body = (
        "regions { stores(first: $n) { edges { node {"
        " staff(first: $n) { edges { node { username } } } } } } }"
    )
    by_default = await api.gql(f"query($n: Int = 100) {{ {body} }}", token=token)
    sent = await api.gql(f"query($n: Int) {{ {body} }}", {"n": 100}, token=token)
    assert by_default["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert by_default["errors"][0]["extensions"]["cost"] == sent["errors"][0]["extensions"]["cost"]
    # A value sent wins over the default.
    small = await api.gql(f"query($n: Int = 100) {{ {body} }}", {"n": 2}, token=token)
    assert "errors" not in small
