"""Staff accounts and integrator API tokens: creating, freezing, listing within scope."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, false, func, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain import auth, compliance_grants
from api.domain.access import (
    GRANTABLE_TO_INTEGRATORS,
    Actor,
    Permission,
    authorize_region,
    authorize_store,
    require,
)
from api.domain.error_reasons import ErrorReason
from api.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.domain.pagination import Page, keyset_page
from api.domain.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hash_password_async
from db.models import AuthToken, Region, Role, Staff, StaffStatus, Store, TokenKind

STORE_ROLES = frozenset({Role.CLERK, Role.STORE_MANAGER})
MAX_API_TOKEN_DAYS = 366


@dataclass(frozen=True)
class NewStaff:
    username: str
    display_name: str
    role: Role
    password: str | None
    store_code: str | None = None
    region_code: str | None = None


@dataclass(frozen=True)
class StaffFilter:
    store_code: str | None = None
    region_code: str | None = None
    role: Role | None = None
    status: StaffStatus | None = None


def _check_new_staff(new: NewStaff) -> list[str]:
    problems = []
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,63}", new.username):
        problems.append("username: 2-64 characters of lower-case letters, digits, '.', '_' or '-'")
    if not new.display_name.strip() or len(new.display_name) > 100:
        problems.append("displayName: 1-100 characters")
    if new.role is Role.INTEGRATOR:
        if new.password is not None:
            problems.append("password: integrators sign in with API tokens, not passwords")
    elif new.password is None or not (
        MIN_PASSWORD_LENGTH <= len(new.password) <= MAX_PASSWORD_LENGTH
    ):
        problems.append(f"password: {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters")
    if new.store_code and new.region_code:
        problems.append("give storeCode or regionCode, not both")
    if new.role in STORE_ROLES and not new.store_code:
        problems.append(f"storeCode: required for role {new.role}")
    if new.role is Role.REGION_MANAGER and not new.region_code:
        problems.append("regionCode: required for role REGION_MANAGER")
    if new.role in (Role.HQ_OPERATIONS, Role.HQ_COMPLIANCE, Role.ADMIN) and (
        new.store_code or new.region_code
    ):
        problems.append(f"role {new.role} works chain-wide: give no storeCode or regionCode")
    return problems


async def create_staff(
    session: AsyncSession, actor: Actor | None, new: NewStaff, *, request_id: str = ""
) -> Staff:
    """Create an account. Callers create only roles below their own, within their scope.
    An HQ_COMPLIANCE account is created with its grant pending: a second person confirms it
    (api/domain/compliance_grants.py)."""
    actor = require(actor, Permission.MANAGE_STAFF)
    _validate(new)
    if not actor.outranks(new.role):
        raise Forbidden(f"A {actor.role} cannot create a {new.role}.")
    store_id = region_id = None
    if new.store_code:
        store = await authorize_store(session, actor, new.store_code, Permission.MANAGE_STAFF)
        store_id = store.id
    elif new.region_code:
        region_id = await authorize_region(session, actor, new.region_code, Permission.MANAGE_STAFF)
    elif not actor.scope.all_stores:
        raise Forbidden("Only chain-wide staff can create chain-wide accounts.")
    staff = await _insert_staff(session, new, store_id=store_id, region_id=region_id)
    if compliance_grants.needs_second_person(new.role):
        await compliance_grants.request_grant(session, actor, staff, request_id=request_id)
    return staff


async def create_staff_as_operator(session: AsyncSession, new: NewStaff) -> Staff:
    """The CLI's create: an operator with database access is not scoped like an API caller."""
    _validate(new)
    store_id = region_id = None
    if new.store_code:
        store_id = await session.scalar(select(Store.id).where(Store.code == new.store_code))
        if store_id is None:
            raise NotFound(f"No store has code {new.store_code!r}.", argument="storeCode")
    elif new.region_code:
        region_id = await session.scalar(select(Region.id).where(Region.code == new.region_code))
        if region_id is None:
            raise NotFound(f"No region has code {new.region_code!r}.", argument="regionCode")
    return await _insert_staff(session, new, store_id=store_id, region_id=region_id)


def _validate(new: NewStaff) -> None:
    problems = _check_new_staff(new)
    if problems:
        raise InvalidInput.listing(problems)


async def _insert_staff(
    session: AsyncSession, new: NewStaff, *, store_id: int | None, region_id: int | None
) -> Staff:
    password_hash = await hash_password_async(new.password) if new.password else None
    staff = Staff(
        username=new.username,
        display_name=new.display_name.strip(),
        role=new.role,
        store_id=store_id,
        region_id=region_id,
        status=StaffStatus.ACTIVE,
        password_hash=password_hash,
    )
    try:
        async with session.begin_nested():
            session.add(staff)
    except IntegrityError as exc:
        raise Conflict(
            f"Username {new.username!r} is taken.",
            reason=ErrorReason.ALREADY_EXISTS,
            field="username",
        ) from exc
    return staff


async def staff_id_by_username(session: AsyncSession, username: str, *, argument: str) -> int:
    """For chain-wide readers (compliance): a filter naming an account names one that exists."""
    staff_id = await session.scalar(select(Staff.id).where(Staff.username == username))
    if staff_id is None:
        raise NotFound(f"No staff member has username {username!r}.", argument=argument)
    return staff_id


async def _staff_in_scope(session: AsyncSession, actor: Actor, username: str) -> Staff:
    """The account if it is in the caller's scope. One outside it is not there for the caller
    (the staff list shows only their scope): the same NOT_FOUND as a username nobody has."""
    staff = await session.scalar(select(Staff).where(Staff.username == username))
    not_found = staff_not_found(username, argument="username")
    if staff is None:
        raise not_found
    scope = actor.scope
    if not scope.all_stores:
        region_of_store = (
            await session.scalar(select(Store.region_id).where(Store.id == staff.store_id))
            if staff.store_id is not None
            else None
        )
        in_scope = (
            staff.store_id is not None
            and region_of_store is not None
            and scope.allows(staff.store_id, region_of_store)
        ) or (staff.region_id is not None and scope.allows_region(staff.region_id))
        if not in_scope:
            raise not_found
    return staff


async def set_staff_status(
    session: AsyncSession, actor: Actor | None, *, username: str, status: StaffStatus
) -> Staff:
    """Freeze or unfreeze an account. A frozen member's tokens fail on their next request."""
    actor = require(actor, Permission.MANAGE_STAFF)
    staff = await _staff_in_scope(session, actor, username)
    if staff.id == actor.staff_id:
        raise Forbidden("You cannot change your own status.")
    if not actor.outranks(staff.role):
        raise Forbidden(f"A {actor.role} cannot change a {staff.role}'s status.")
    if staff.status is not status:
        staff.status = status
        staff.status_changed_at = func.now()
        await session.flush()
        await session.refresh(staff)
    return staff


async def freeze_staff_by_username(session: AsyncSession, username: str) -> Staff:
    """The CLI's freeze: an operator with database access needs no API caller."""
    staff = await session.scalar(select(Staff).where(Staff.username == username))
    if staff is None:
        raise NotFound(f"No staff member has username {username!r}.", argument="username")
    staff.status = StaffStatus.FROZEN
    staff.status_changed_at = func.now()
    await session.flush()
    return staff


async def list_staff(
    session: AsyncSession,
    actor: Actor | None,
    *,
    filter: StaffFilter,
    first: int | None,
    after: str | None,
) -> Page[Staff]:
    """Staff within the caller's scope; naming a store or region outside it is FORBIDDEN."""
    actor = require(actor, Permission.VIEW_STAFF)
    stmt = select(Staff)
    if filter.store_code is not None:
        store = await authorize_store(session, actor, filter.store_code, Permission.VIEW_STAFF)
        stmt = stmt.where(Staff.store_id == store.id)
    elif filter.region_code is not None:
        region_id = await authorize_region(
            session, actor, filter.region_code, Permission.VIEW_STAFF
        )
        stores = select(Store.id).where(Store.region_id == region_id)
        stmt = stmt.where((Staff.region_id == region_id) | Staff.store_id.in_(stores))
    stmt = stmt.where(_in_scope(actor))
    if filter.role is not None:
        stmt = stmt.where(Staff.role == filter.role)
    if filter.status is not None:
        stmt = stmt.where(Staff.status == filter.status)
    return await keyset_page(
        session,
        stmt,
        kind="staff",
        key_columns=[Staff.username],
        key_of=lambda s: [s.username],
        first=first,
        after=after,
    )


def _in_scope(actor: Actor) -> ColumnElement[bool]:
    """The accounts the caller's scope holds: staff of its stores, and of its region."""
    scope = actor.scope
    if scope.all_stores:
        return true()
    home_region = Staff.region_id == scope.region_id if scope.region_id else false()
    return scope.where(Staff.store_id) | home_region


async def staff_by_username(
    session: AsyncSession, actor: Actor | None, usernames: Sequence[str]
) -> dict[str, Staff]:
    """The accounts among these usernames that the staff list shows the caller, in one
    statement; one outside the scope is absent, like a username nobody has."""
    actor = require(actor, Permission.VIEW_STAFF)
    rows = await session.scalars(
        select(Staff).where(Staff.username.in_(list(usernames)), _in_scope(actor))
    )
    return {s.username: s for s in rows}


def staff_not_found(username: str, *, argument: str) -> NotFound:
    return NotFound(f"No staff member in your scope has username {username!r}.", argument=argument)


async def get_staff(session: AsyncSession, staff_id: int) -> Staff:
    return await session.get_one(Staff, staff_id)


@dataclass(frozen=True)
class NewIntegratorToken:
    name: str
    expires_in_days: int
    store_code: str | None = None
    region_code: str | None = None
    grants: frozenset[Permission] = frozenset()
    trusted_documents_only: bool = False  # a till's: it may run trusted documents only


async def create_integrator_token(
    session: AsyncSession, actor: Actor | None, new: NewIntegratorToken
) -> tuple[Staff, auth.IssuedToken]:
    """An API token for an integrator principal (created on first use of the name).

    The principal is a staff row of role INTEGRATOR with no password, scoped like any staff
    member: a POS integration is given a store, a regional BI feed a region. A till's token
    is issued `trusted_documents_only`: it may then run the stored operations only.
    """
    actor = require(actor, Permission.MANAGE_API_TOKENS)
    problems = []
    if not 1 <= new.expires_in_days <= MAX_API_TOKEN_DAYS:
        problems.append(f"expiresInDays: 1-{MAX_API_TOKEN_DAYS}")
    not_grantable = new.grants - GRANTABLE_TO_INTEGRATORS
    if not_grantable:
        problems.append(f"grants: cannot grant {', '.join(sorted(not_grantable))}")
    username = f"integrator.{new.name}"
    if problems:
        raise InvalidInput.listing(problems)
    staff = await session.scalar(select(Staff).where(Staff.username == username))
    if staff is None:
        staff = await create_staff(
            session,
            actor,
            NewStaff(
                username=username,
                display_name=new.name,
                role=Role.INTEGRATOR,
                password=None,
                store_code=new.store_code,
                region_code=new.region_code,
            ),
        )
    elif staff.role is not Role.INTEGRATOR:
        raise Conflict(f"{username} exists and is not an integrator.")
    elif staff.status is StaffStatus.FROZEN:
        raise Conflict(f"{username} is frozen: unfreeze it before issuing tokens.")
    else:
        await _same_scope(session, actor, staff, new)
    issued = await auth.issue_token(
        session,
        staff_id=staff.id,
        kind=TokenKind.API,
        lifetime=timedelta(days=new.expires_in_days),
        name=new.name,
        grants=new.grants,
        created_by_id=actor.staff_id,
        trusted_documents_only=new.trusted_documents_only,
    )
    return staff, issued


async def _same_scope(
    session: AsyncSession, actor: Actor, principal: Staff, new: NewIntegratorToken
) -> None:
    """A token for an existing principal has the principal's scope: asking for another one
    is CONFLICT, never silently dropped (a store's till must not get a chain-wide token)."""
    asked_store = asked_region = None
    if new.store_code:
        asked_store = (
            await authorize_store(session, actor, new.store_code, Permission.MANAGE_API_TOKENS)
        ).id
    elif new.region_code:
        asked_region = await authorize_region(
            session, actor, new.region_code, Permission.MANAGE_API_TOKENS
        )
    if (asked_store, asked_region) != (principal.store_id, principal.region_id):
        held = await _scope_words(session, principal)
        raise Conflict(
            f"{principal.username} is scoped to {held}: ask for that scope, or give the token "
            "another name for another scope.",
            argument="name",
        )
    # The asked store or region was authorised above; a chain-wide principal needs a
    # chain-wide caller (ADMIN only holds MANAGE_API_TOKENS today: this keeps it so).
    if asked_store is None and asked_region is None and not actor.scope.all_stores:
        raise Forbidden(f"{principal.username} works chain-wide, beyond your scope.")


async def _scope_words(session: AsyncSession, principal: Staff) -> str:
    if principal.store_id is not None:
        code = await session.scalar(select(Store.code).where(Store.id == principal.store_id))
        return f"store {code}"
    if principal.region_id is not None:
        code = await session.scalar(select(Region.code).where(Region.id == principal.region_id))
        return f"region {code}"
    return "the whole chain"


async def api_tokens_by_id(
    session: AsyncSession, actor: Actor | None, token_ids: Sequence[int]
) -> dict[int, tuple[AuthToken, Staff]]:
    """Integrator API tokens (never sign-in tokens) with their principal, for who issues them."""
    require(actor, Permission.MANAGE_API_TOKENS)
    rows = await session.execute(
        select(AuthToken, Staff)
        .join(Staff, Staff.id == AuthToken.staff_id)
        .where(AuthToken.id.in_(list(token_ids)), AuthToken.kind == TokenKind.API)
    )
    return {token.id: (token, staff) for token, staff in rows}


async def revoke_api_token(session: AsyncSession, actor: Actor | None, token_id: int) -> None:
    require(actor, Permission.MANAGE_API_TOKENS)
    kind = await session.scalar(select(AuthToken.kind).where(AuthToken.id == token_id))
    if kind is not TokenKind.API:
        raise NotFound(f"No API token has id {token_id}.", argument="id")
    await session.execute(
        update(AuthToken)
        .where(AuthToken.id == token_id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
