"""Who may do what, and on which stores. The only place roles, permissions and scope are decided
(the store/region scope rule itself, stated once, is api/domain/scope.py).

Resolvers and domain rules ask this module; nothing else compares roles. Store-scoped rows are
filtered with `actor.scope.where(...)` where they are selected, and a store a caller acts on is
obtained through `authorize_store`, whose `AccessibleStore` only this module can produce.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.error_reasons import ErrorReason
from api.domain.errors import Forbidden, NotFound, Unauthenticated
from api.domain.scope import StoreScope
from db.models import Region, Role, Store, TokenKind

__all__ = ["ROLE_PERMISSIONS", "AccessibleStore", "Actor", "Permission", "Role", "StoreScope"]


class Permission(enum.StrEnum):
    SIGNED_IN = "SIGNED_IN"
    VIEW_ORGANISATION = "VIEW_ORGANISATION"
    MANAGE_STORE_SETTINGS = "MANAGE_STORE_SETTINGS"
    VIEW_STAFF = "VIEW_STAFF"
    MANAGE_STAFF = "MANAGE_STAFF"
    MANAGE_API_TOKENS = "MANAGE_API_TOKENS"
    INTROSPECT_SCHEMA = "INTROSPECT_SCHEMA"
    RECORD_SALES = "RECORD_SALES"  # sales and returns at a store in scope
    VIEW_SALES = "VIEW_SALES"  # sales reports of stores in scope
    VIEW_STOCK = "VIEW_STOCK"  # balances, alerts and nearby stock
    MANAGE_STOCK = "MANAGE_STOCK"  # safety levels and reorder targets
    REQUEST_TRANSFERS = "REQUEST_TRANSFERS"  # ask another store for goods, cancel the request
    APPROVE_TRANSFERS = "APPROVE_TRANSFERS"  # let goods leave a source store in scope
    HANDLE_GOODS = "HANDLE_GOODS"  # ship and receive transfers, receive replenishment
    MANAGE_REPLENISHMENT = "MANAGE_REPLENISHMENT"  # draft, approve, cancel replenishment orders
    ISSUE_MARKDOWNS = "ISSUE_MARKDOWNS"  # HQ's time-limited discounts
    ACKNOWLEDGE_MARKDOWNS = "ACKNOWLEDGE_MARKDOWNS"  # a store confirms it applied a markdown
    VIEW_MEMBERS = "VIEW_MEMBERS"  # member cards (any store's members: one profile chain-wide)
    ENROLL_MEMBERS = "ENROLL_MEMBERS"  # enrol a member at a store in scope
    ISSUE_MEMBER_CODES = "ISSUE_MEMBER_CODES"  # sign a rotating QR member code (demo, tests)
    VIEW_MEMBER_PHONE_MASKED = "VIEW_MEMBER_PHONE_MASKED"  # ********678
    REVEAL_MEMBER_PHONE = "REVEAL_MEMBER_PHONE"  # the full number, with a logged purpose
    VIEW_PII_ACCESS_LOG = "VIEW_PII_ACCESS_LOG"
    VIEW_PRIVACY_ALERTS = "VIEW_PRIVACY_ALERTS"
    CONFIRM_COMPLIANCE_GRANTS = "CONFIRM_COMPLIANCE_GRANTS"  # the second person of a grant
    UPLOAD_PHOTOS = "UPLOAD_PHOTOS"  # shelf and complaint photos from phones
    WORK_SHIFTS = "WORK_SHIFTS"  # start/end one's shift, complete and accept handovers
    VIEW_SHIFTS = "VIEW_SHIFTS"  # shifts, handovers and standards reports of stores in scope
    MANAGE_STANDARDS = "MANAGE_STANDARDS"  # HQ's checklist templates
    FILE_COMPLAINTS = "FILE_COMPLAINTS"  # record a customer's complaint at a store in scope
    VIEW_COMPLAINTS = "VIEW_COMPLAINTS"  # complaints and timelines of stores in scope
    HANDLE_COMPLAINTS = "HANDLE_COMPLAINTS"  # take, progress, resolve, close, reopen
    ASSIGN_COMPLAINTS = "ASSIGN_COMPLAINTS"  # reassign a complaint to another handler
    MANAGE_COMPLAINT_SLAS = "MANAGE_COMPLAINT_SLAS"  # response and resolution targets
    SUBSCRIBE_COMPLAINTS = "SUBSCRIBE_COMPLAINTS"  # the live complaint feed
    REQUEST_HELP = "REQUEST_HELP"  # ask HQ for help from a store in scope
    VIEW_HELP_REQUESTS = "VIEW_HELP_REQUESTS"  # help requests, answers and store alerts in scope
    ANSWER_HELP_REQUESTS = "ANSWER_HELP_REQUESTS"  # answer a store's help request
    CALL_CUSTOMERS = "CALL_CUSTOMERS"  # ring a complaint's customer via the masked bridge
    VIEW_PROMOTIONS = "VIEW_PROMOTIONS"  # promotions of stores in scope, priced baskets, offers
    CREATE_PROMOTIONS = "CREATE_PROMOTIONS"  # HQ's plans; managers' requests for their scope
    APPROVE_PROMOTIONS = "APPROVE_PROMOTIONS"  # HQ: publish directly, decide on requests


_EVERY_STAFF_ROLE = {
    Permission.SIGNED_IN,
    Permission.VIEW_ORGANISATION,
    Permission.VIEW_STOCK,
    Permission.VIEW_PROMOTIONS,
}
_MANAGERS = {
    Permission.VIEW_STAFF,
    Permission.MANAGE_STAFF,
    Permission.MANAGE_STORE_SETTINGS,
    Permission.CREATE_PROMOTIONS,  # a store or region manager's is a request for HQ
}
_SELLERS = {Permission.RECORD_SALES, Permission.VIEW_SALES}
# Store staff handle goods; managers approve what leaves their stores; HQ issues markdowns.
_STORE_GOODS = {
    Permission.REQUEST_TRANSFERS,
    Permission.HANDLE_GOODS,
    Permission.ACKNOWLEDGE_MARKDOWNS,
}
_APPROVERS = {
    Permission.REQUEST_TRANSFERS,
    Permission.APPROVE_TRANSFERS,
    Permission.MANAGE_REPLENISHMENT,
    Permission.MANAGE_STOCK,
}
# Every role serving customers sees member cards; managers and above the masked phone.
_MEMBER_CARD = {Permission.VIEW_MEMBERS}
_MASKED_PHONE = {Permission.VIEW_MEMBERS, Permission.VIEW_MEMBER_PHONE_MASKED}
# Store staff work shifts and file complaints; managers also watch the standards.
_SHIFT_WORK = {Permission.WORK_SHIFTS, Permission.VIEW_SHIFTS, Permission.UPLOAD_PHOTOS}
_COMPLAINT_DESK = {
    Permission.FILE_COMPLAINTS,
    Permission.VIEW_COMPLAINTS,
    Permission.UPLOAD_PHOTOS,
}
_COMPLAINT_HANDLING = _COMPLAINT_DESK | {
    Permission.HANDLE_COMPLAINTS,
    Permission.SUBSCRIBE_COMPLAINTS,
}
# Store staff ask for help and read the answers; managers above the stores answer. Whoever
# works a complaint may call its customer back through the bridge, never seeing the number.
_HELP_ASKERS = {Permission.REQUEST_HELP, Permission.VIEW_HELP_REQUESTS}
_HELP_ANSWERERS = {Permission.VIEW_HELP_REQUESTS, Permission.ANSWER_HELP_REQUESTS}
_CALLERS = {Permission.CALL_CUSTOMERS}
# The full phone, the PII access log and privacy alerts belong to HQ compliance alone, not
# even to ADMIN: access to personal information is purpose-bound (PIPL).
COMPLIANCE_ONLY: frozenset[Permission] = frozenset(
    {
        Permission.REVEAL_MEMBER_PHONE,
        Permission.VIEW_PII_ACCESS_LOG,
        Permission.VIEW_PRIVACY_ALERTS,
        Permission.CONFIRM_COMPLIANCE_GRANTS,
    }
)
# An account whose HQ_COMPLIANCE grant awaits its second person (api/domain/compliance_grants.py)
# may sign in and see that it is pending, nothing more.
PENDING_GRANT_PERMISSIONS: frozenset[Permission] = frozenset({Permission.SIGNED_IN})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset(
        _EVERY_STAFF_ROLE
        | _SELLERS
        | _STORE_GOODS
        | _MEMBER_CARD
        | _SHIFT_WORK
        | _COMPLAINT_DESK
        | _HELP_ASKERS
        | _CALLERS
        | {Permission.VIEW_STAFF, Permission.ENROLL_MEMBERS}
    ),
    Role.STORE_MANAGER: frozenset(
        _EVERY_STAFF_ROLE
        | _MANAGERS
        | _SELLERS
        | _STORE_GOODS
        | _APPROVERS
        | _MASKED_PHONE
        | _SHIFT_WORK
        | _COMPLAINT_HANDLING
        | _HELP_ASKERS
        | _CALLERS
        | {Permission.ENROLL_MEMBERS}
    ),
    Role.REGION_MANAGER: frozenset(
        _EVERY_STAFF_ROLE
        | _MANAGERS
        | _SELLERS
        | _APPROVERS
        | _MASKED_PHONE
        | _COMPLAINT_HANDLING
        | _HELP_ANSWERERS
        | _CALLERS
        | {Permission.VIEW_SHIFTS, Permission.ASSIGN_COMPLAINTS}
    ),
    Role.HQ_OPERATIONS: frozenset(
        _EVERY_STAFF_ROLE
        | _MANAGERS
        | _SELLERS
        | _APPROVERS
        | _MASKED_PHONE
        | _COMPLAINT_HANDLING
        | _HELP_ANSWERERS
        | _CALLERS
        | {
            Permission.ISSUE_MARKDOWNS,
            Permission.VIEW_SHIFTS,
            Permission.MANAGE_STANDARDS,
            Permission.ASSIGN_COMPLAINTS,
            Permission.MANAGE_COMPLAINT_SLAS,
            Permission.APPROVE_PROMOTIONS,
        }
    ),
    Role.HQ_COMPLIANCE: frozenset(
        _EVERY_STAFF_ROLE
        | _MASKED_PHONE
        | COMPLIANCE_ONLY
        | {Permission.VIEW_STAFF, Permission.VIEW_SALES, Permission.VIEW_COMPLAINTS}
    ),
    Role.COMPLAINT_HANDLER: frozenset(
        _EVERY_STAFF_ROLE | _MEMBER_CARD | _COMPLAINT_HANDLING | _CALLERS
    ),
    # Read-only unless a token grants more (see GRANTABLE_TO_INTEGRATORS).
    Role.INTEGRATOR: frozenset(_EVERY_STAFF_ROLE | {Permission.INTROSPECT_SCHEMA}),
    Role.ADMIN: frozenset(Permission) - COMPLIANCE_ONLY,
}

# What an ADMIN may add to an integrator token beyond the INTEGRATOR role's read-only set.
GRANTABLE_TO_INTEGRATORS: frozenset[Permission] = frozenset(
    {
        Permission.VIEW_STAFF,
        Permission.MANAGE_STORE_SETTINGS,
        Permission.RECORD_SALES,
        Permission.VIEW_SALES,
    }
)

# Which roles a caller may create or freeze: strictly below their own rank, never ADMIN.
_RANK = {
    Role.CLERK: 1,
    Role.COMPLAINT_HANDLER: 1,
    Role.INTEGRATOR: 1,
    Role.STORE_MANAGER: 2,
    Role.REGION_MANAGER: 3,
    Role.HQ_OPERATIONS: 4,
    Role.HQ_COMPLIANCE: 4,
    Role.ADMIN: 5,
}


def roles_with(permission: Permission) -> list[Role]:
    """The roles holding a permission, for the SDL's @requires directive."""
    return [role for role, perms in ROLE_PERMISSIONS.items() if permission in perms]


# StoreScope.allows as SQL over a store row aliased `s`, bound with StoreScope.sql_params():
# lets a hot path check scope inside the statement that writes, without a round trip first.
SCOPE_CHECK_SQL = StoreScope.sql_text("s.id", "s.region_id")


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of one request."""

    staff_id: int
    username: str
    role: Role
    store_id: int | None
    region_id: int | None
    token_id: int
    token_kind: TokenKind
    grants: frozenset[Permission] = field(default_factory=frozenset)
    trusted_documents_only: bool = False  # a till's token (see "Trusted documents" below)
    role_pending: bool = False  # the role's grant awaits its second person
    # The primary's WAL position after the token's last committed write, as the request
    # began (None: none noted): read-your-writes on the read replica (api/read_replica.py).
    last_write_lsn: int | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        if self.role_pending:
            return PENDING_GRANT_PERMISSIONS
        return ROLE_PERMISSIONS[self.role] | self.grants

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def scope(self) -> StoreScope:
        return StoreScope.of(self.role, self.store_id, self.region_id)

    def outranks(self, role: Role) -> bool:
        return role is not Role.ADMIN and _RANK[self.role] > _RANK[role]


def require(actor: Actor | None, permission: Permission) -> Actor:
    if actor is None:
        raise Unauthenticated("Sign in first: send 'Authorization: Bearer <token>'.")
    if not actor.can(permission):
        raise refusal(actor, permission)
    return actor


def refusal(actor: Actor, permission: Permission) -> Forbidden:
    """The FORBIDDEN for a caller lacking `permission`."""
    if actor.role_pending:
        return Forbidden(
            f"Your {actor.role} role awaits confirmation by a second person: until then it "
            "holds no permissions.",
            reason=ErrorReason.ROLE_GRANT_PENDING,
            permission=permission.value,
        )
    return Forbidden(
        f"Your role {actor.role} lacks the {permission} permission.",
        reason=ErrorReason.PERMISSION_REQUIRED,
        permission=permission.value,
    )


@dataclass(frozen=True)
class AccessibleStore:
    """A store the caller was authorised to act on; produced only by `authorize_store`."""

    id: int
    code: str
    region_id: int


async def authorize_store(
    session: AsyncSession,
    actor: Actor | None,
    store_code: str,
    permission: Permission,
    *,
    argument: str = "storeCode",
) -> AccessibleStore:
    """The store `store_code` if the caller holds `permission` on it, else NotFound/Forbidden.

    Stores are a directory every role may read, so one outside the caller's scope exists for
    them: FORBIDDEN, not NOT_FOUND. `argument` names where the code came from.
    """
    actor = require(actor, permission)
    row = (
        await session.execute(select(Store.id, Store.region_id).where(Store.code == store_code))
    ).one_or_none()
    if row is None:
        raise NotFound(
            f"No store has code {store_code!r}.", argument=argument, storeCode=store_code
        )
    if not actor.scope.allows(row.id, row.region_id):
        raise Forbidden(
            f"Store {store_code} is outside your scope.",
            reason=ErrorReason.OUTSIDE_SCOPE,
            storeCode=store_code,
        )
    return AccessibleStore(id=row.id, code=store_code, region_id=row.region_id)


async def authorize_region(
    session: AsyncSession,
    actor: Actor | None,
    region_code: str,
    permission: Permission,
    *,
    argument: str = "regionCode",
) -> int:
    """The id of region `region_code` if the caller's scope covers all of it."""
    actor = require(actor, permission)
    region_id = await session.scalar(select(Region.id).where(Region.code == region_code))
    if region_id is None:
        raise NotFound(
            f"No region has code {region_code!r}.", argument=argument, regionCode=region_code
        )
    if not actor.scope.allows_region(region_id):
        raise Forbidden(
            f"Region {region_code} is outside your scope.",
            reason=ErrorReason.OUTSIDE_SCOPE,
            regionCode=region_code,
        )
    return region_id


# --- Trusted documents: who may run only the operations in operations/ ---------------------
# Store staff work through the clerk app and tills, whose every operation is a trusted document
# (api/trusted_documents.py): a stolen phone or a leaked store token can then do only what the
# app does. HQ roles, ADMIN and integrators may send any document within the cost limits, except
# integrator tokens issued with `trustedDocumentsOnly` (a till's). Anonymous callers (sign-in)
# are not restricted. A deployment changes the roles in its settings (api/config.py).
TRUSTED_ONLY_ROLES: frozenset[Role] = frozenset({Role.CLERK, Role.STORE_MANAGER})
TRUSTED_DOCUMENT_REQUIRED = ErrorReason.TRUSTED_DOCUMENT_REQUIRED  # the FORBIDDEN error's reason


def parse_trusted_only_roles(value: str) -> frozenset[Role]:
    """`CLERK,STORE_MANAGER` (Role names, any case, comma-separated) or `none`."""
    if value.strip().lower() == "none":
        return frozenset()
    names = [name.strip().upper() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in Role.__members__]
    if unknown or not names:
        problem = f"unknown role(s) {', '.join(unknown)}" if unknown else "no role named"
        raise ValueError(
            f"{problem}; use comma-separated names of {', '.join(Role.__members__)}, or none"
        )
    return frozenset(Role[name] for name in names)


def require_trusted_document(actor: Actor | None, trusted_only_roles: frozenset[Role]) -> None:
    """FORBIDDEN for a caller who may run trusted documents only and sent another one."""
    if actor is not None and (actor.role in trusted_only_roles or actor.trusted_documents_only):
        raise Forbidden(
            f"Your {'token' if actor.trusted_documents_only else 'role ' + actor.role} may run "
            "trusted documents only: send the operation's documentId instead of a query.",
            reason=ErrorReason.TRUSTED_DOCUMENT_REQUIRED,
        )
