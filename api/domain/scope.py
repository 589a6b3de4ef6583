"""Store and region scope: which stores' rows a caller sees and acts on, stated once.

`_rule` is the whole rule. Three readings of it answer the three ways it is asked: in Python
for a row in hand (`StoreScope.allows`), as a SQLAlchemy WHERE clause with the scope's values
(`StoreScope.sql`, `StoreScope.where`), and as a constant SQL fragment with bind parameters
for hot statements written as text (`StoreScope.sql_text` with `StoreScope.sql_params`).
tests/access/test_scope_agreement.py proves the readings agree on the demo chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.sql.elements import False_, True_

from db.models import Role, Store

__all__ = ["StoreScope"]

T = TypeVar("T")

# Roles whose scope is their home; without one they see no store rather than every store.
_HOME_BOUND_ROLES = frozenset({Role.CLERK, Role.STORE_MANAGER, Role.REGION_MANAGER})


class _Reading(Protocol[T]):
    """One way of asking the rule's questions about a scope and a row."""

    def covers_chain(self) -> T: ...  # the scope is every store
    def same_store(self) -> T: ...  # the row's store is the scope's store
    def no_store(self) -> T: ...  # the scope names no single store
    def same_region(self) -> T: ...  # the row's region is the scope's region
    def either(self, *terms: T) -> T: ...
    def both(self, *terms: T) -> T: ...


def _rule(ask: _Reading[T]) -> T:
    """Every store; or the row's own store; or, for a scope of no single store, its region.

    A row with no store (a region's event) is thereby seen by its region's and the chain's
    scopes, a row of neither by the chain's alone. No negation: unknown (a NULL column) reads
    as false in Python exactly as a WHERE clause drops it."""
    return ask.either(
        ask.covers_chain(), ask.same_store(), ask.both(ask.no_store(), ask.same_region())
    )


def _equal(row_value: int | None, scope_value: int | None) -> bool:
    """SQL's `=` where it matters: NULL on either side never matches."""
    return row_value is not None and scope_value is not None and row_value == scope_value


@dataclass(frozen=True)
class _InPython:
    scope: StoreScope
    store_id: int | None
    region_id: int | None

    def covers_chain(self) -> bool:
        return self.scope.all_stores

    def same_store(self) -> bool:
        return _equal(self.store_id, self.scope.store_id)

    def no_store(self) -> bool:
        return self.scope.store_id is None

    def same_region(self) -> bool:
        return _equal(self.region_id, self.scope.region_id)

    def either(self, *terms: bool) -> bool:
        return any(terms)

    def both(self, *terms: bool) -> bool:
        return all(terms)


@dataclass(frozen=True)
class _InSqlAlchemy:
    """The rule with the scope's values folded in: `WHERE true`, one comparison, or false."""

    scope: StoreScope
    store_column: Any
    region_matches: Callable[[int], ColumnElement[bool]]

    def covers_chain(self) -> ColumnElement[bool]:
        return true() if self.scope.all_stores else false()

    def same_store(self) -> ColumnElement[bool]:
        if self.scope.store_id is None:
            return false()
        return self.store_column == self.scope.store_id  # type: ignore[no-any-return]

    def no_store(self) -> ColumnElement[bool]:
        return true() if self.scope.store_id is None else false()

    def same_region(self) -> ColumnElement[bool]:
        if self.scope.region_id is None:
            return false()
        return self.region_matches(self.scope.region_id)

    # Folded here, not left to or_/and_ (which keep a nested constant): the statement says
    # only what this scope needs, as the hand-written clauses before it did.
    def either(self, *terms: ColumnElement[bool]) -> ColumnElement[bool]:
        if any(isinstance(term, True_) for term in terms):
            return true()
        left = [term for term in terms if not isinstance(term, False_)]
        return or_(*left) if left else false()

    def both(self, *terms: ColumnElement[bool]) -> ColumnElement[bool]:
        if any(isinstance(term, False_) for term in terms):
            return false()
        left = [term for term in terms if not isinstance(term, True_)]
        return and_(*left) if left else true()


@dataclass(frozen=True)
class _InSqlText:
    """The rule over named columns with the scope bound as :scope_all/:scope_store/
    :scope_region: the statement text is one constant, whoever asks (prepared once)."""

    store_column: str
    region_column: str

    def covers_chain(self) -> str:
        return "CAST(:scope_all AS boolean)"

    def same_store(self) -> str:
        return f"{self.store_column} = CAST(:scope_store AS int)"

    def no_store(self) -> str:
        return "CAST(:scope_store AS int) IS NULL"

    def same_region(self) -> str:
        return f"{self.region_column} = CAST(:scope_region AS int)"

    def either(self, *terms: str) -> str:
        return "(" + " OR ".join(terms) + ")"

    def both(self, *terms: str) -> str:
        return "(" + " AND ".join(terms) + ")"


@dataclass(frozen=True)
class StoreScope:
    """The stores a caller may see and act on: one store, one region, all, or none."""

    all_stores: bool = False
    store_id: int | None = None
    region_id: int | None = None

    @classmethod
    def of(cls, role: Role, store_id: int | None, region_id: int | None) -> StoreScope:
        """The scope of a caller with this role and home store or region."""
        if store_id is not None:
            return cls(store_id=store_id)
        if region_id is not None:
            return cls(region_id=region_id)
        if role in _HOME_BOUND_ROLES:
            return cls()  # misconfigured home: no stores rather than all
        return cls(all_stores=True)

    def allows(self, store_id: int | None, region_id: int | None) -> bool:
        """Whether a row of this store (None: a region's row) and region is in scope."""
        return _rule(_InPython(self, store_id, region_id))

    def allows_region(self, region_id: int) -> bool:
        """Whether the whole region is in scope (a region's own rows, region-wide reports)."""
        return self.allows(None, region_id)

    def sql(self, store_column: Any, region_column: Any) -> ColumnElement[bool]:
        """A WHERE clause over a row carrying both a store and a region column."""
        return _rule(_InSqlAlchemy(self, store_column, lambda region: region_column == region))

    def where(self, store_id_column: Any) -> ColumnElement[bool]:
        """A WHERE clause over a store-scoped table (its region is its store's)."""

        def in_region(region_id: int) -> ColumnElement[bool]:
            stores = select(Store.id).where(Store.region_id == region_id)
            return store_id_column.in_(stores)  # type: ignore[no-any-return]

        return _rule(_InSqlAlchemy(self, store_id_column, in_region))

    @staticmethod
    def sql_text(store_column: str, region_column: str) -> str:
        """The rule as SQL text over two columns, bound with `sql_params()`: lets a hot path
        check scope inside the statement that reads or writes, without a round trip first."""
        return _rule(_InSqlText(store_column, region_column))

    def sql_params(self) -> dict[str, Any]:
        """Bind parameters for `sql_text` fragments."""
        return {
            "scope_all": self.all_stores,
            "scope_store": self.store_id,
            "scope_region": self.region_id,
        }
