"""Persisted requests on the wire: which trusted document a request names, and what it runs.

A request names a stored document with `documentId: "sha256:<hex>"` (GraphQL over HTTP's
persisted documents; over WebSocket in the `subscribe` payload) or with Apollo's
`extensions.persistedQuery {version: 1, sha256Hash: "<hex>"}`, the same id without its
prefix. A name nobody stored is PERSISTED_QUERY_NOT_FOUND (no document is ever registered by a
request: only the files in operations/ are trusted). A request may send the text as well, but
then it must be the very document the id names. A caller who may run trusted documents only
(api/domain/access.py) is FORBIDDEN to send text alone. The HTTP view and the socket handler
(api/graphql_view.py, api/graphql_socket.py) both go through `document_to_run`.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    parse,
)

from api.domain.access import Actor, Role, require_trusted_document
from api.domain.errors import DomainError, ErrorCode, InvalidInput
from api.trusted_documents import ID_PREFIX, TrustedDocuments, normal_form

PERSISTED_QUERY_NOT_FOUND = ErrorCode.PERSISTED_QUERY_NOT_FOUND


class PersistedDocumentNotFound(DomainError):
    code = PERSISTED_QUERY_NOT_FOUND


def requested_document_id(payload: Mapping[str, object]) -> str | None:
    """The id a request (its JSON body, query parameters or subscribe payload) names, as
    `sha256:<hex>`; None when it names none. BAD_USER_INPUT when it is not a string, or names
    two different ones."""
    named: list[str] = []
    document_id = payload.get("documentId")
    if document_id is not None:
        if not isinstance(document_id, str):
            raise InvalidInput("documentId must be a string: sha256:<hex>.", argument="documentId")
        named.append(document_id)
    extensions = payload.get("extensions")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, Mapping) else None
    if persisted is not None:
        digest = persisted.get("sha256Hash") if isinstance(persisted, Mapping) else None
        if not isinstance(persisted, Mapping) or persisted.get("version") != 1:
            raise InvalidInput(
                "extensions.persistedQuery must be {version: 1, sha256Hash: <hex>}.",
                argument="persistedQuery",
            )
        if not isinstance(digest, str):
            raise InvalidInput("persistedQuery.sha256Hash must be a string.", argument="sha256Hash")
        named.append(ID_PREFIX + digest)
    if len(set(named)) > 1:
        raise InvalidInput(
            "documentId and persistedQuery.sha256Hash name different documents: send one.",
            argument="documentId",
        )
    return named[0] if named else None


def document_to_run(
    store: TrustedDocuments,
    trusted_only_roles: frozenset[Role],
    actor: Actor | None,
    query: str | None,
    document_id: str | None,
) -> str | None:
    """The text to execute: the stored document when one is named, else the caller's query if
    they may send their own (None stays None: Strawberry answers that no query was sent)."""
    if document_id is None:
        if query is not None:
            require_trusted_document(actor, trusted_only_roles)
        return query
    stored = store.get(document_id)
    if stored is None:
        # The id is not echoed: the message would be the client's words (and digit runs).
        raise PersistedDocumentNotFound(
            "No trusted document has this documentId: the operations a server runs are those "
            "in its operations/manifest.json.",
            argument="documentId",
        )
    if query is not None and _normal_form_of(query) != stored.text:
        raise InvalidInput(
            "The query sent is not the document its documentId names: send the documentId alone.",
            argument="documentId",
        )
    return stored.text


def _normal_form_of(query: str) -> str | None:
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if len(operations) != 1:
        return None
    try:
        return normal_form(operations[0], fragments)
    except KeyError:  # a fragment it spreads is missing: not the stored document
        return None


def as_graphql_error(error: DomainError) -> GraphQLError:
    """A refusal as the error a response carries (api/errors.py gives it its code)."""
    return GraphQLError(error.message, original_error=error)
