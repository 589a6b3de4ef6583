"""The trusted documents: the operations our own clients send, kept in `operations/<client>/`.

`operations/<client>/<Name>.graphql` holds one named operation called `<Name>` (and may define
fragments it uses); `operations/<client>/fragments/*.graphql` holds fragments that client's
operations share. A stored document is the operation with every fragment it uses in one normal
form: graphql-core's `print_ast` of the operation followed by its fragments in name order, so
the id does not depend on layout, comments or where a fragment lives. Its id is `sha256:` and
the hex digest of that text. The server reads, parses and validates every document once at
start-up (`TrustedDocuments.load`); `chainstore operations` writes the ids to the manifest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    OperationType,
    parse,
    print_ast,
    specified_rules,
    validate,
    visit,
)
from graphql.language import Visitor

CLIENTS = ("clerk", "board", "pos")
OPERATIONS_DIR = Path(__file__).resolve().parent.parent / "operations"
MANIFEST_NAME = "manifest.json"
ID_PREFIX = "sha256:"


class OperationFileError(ValueError):
    """An operation file that cannot be a trusted document; the message names the file."""


@dataclass(frozen=True)
class TrustedDocument:
    """One stored operation: what a `documentId` runs, parsed once."""

    id: str  # "sha256:<hex>" of `text`
    client: str  # "clerk", "board" or "pos"
    name: str  # the operation's name, also the file's
    type: OperationType
    text: str  # the normal form, sent to the executor
    document: DocumentNode  # `text` parsed: the operation, then its fragments by name
    path: Path

    def manifest_entry(self) -> dict[str, str]:
        return {"client": self.client, "name": self.name, "type": self.type.value}


def document_id(text: str) -> str:
    return ID_PREFIX + hashlib.sha256(text.encode()).hexdigest()


def _spread_names(node: Node) -> set[str]:
    names: set[str] = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.add(spread.name.value)

    visit(node, Spreads())
    return names


def used_fragments(
    operation: OperationDefinitionNode, available: Mapping[str, FragmentDefinitionNode]
) -> dict[str, FragmentDefinitionNode]:
    """The fragments an operation spreads, directly or through other fragments; KeyError
    names one that is not available."""
    used: dict[str, FragmentDefinitionNode] = {}
    pending = _spread_names(operation)
    while pending:
        name = pending.pop()
        if name not in used:
            used[name] = available[name]
            pending |= _spread_names(used[name]) - used.keys()
    return used


def normal_form(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> str:
    """The operation, then the fragments it uses in name order, printed by graphql-core."""
    used = used_fragments(operation, fragments)
    return print_ast(DocumentNode(definitions=(operation, *(used[n] for n in sorted(used)))))


def _parse_file(path: Path) -> DocumentNode:
    try:
        return parse(path.read_text(encoding="utf-8"))
    except GraphQLError as error:
        raise OperationFileError(f"{path}: {error.message}") from error


def _shared_fragments(client_dir: Path) -> dict[str, tuple[FragmentDefinitionNode, Path]]:
    shared: dict[str, tuple[FragmentDefinitionNode, Path]] = {}
    for path in sorted((client_dir / "fragments").glob("*.graphql")):
        for definition in _parse_file(path).definitions:
            if not isinstance(definition, FragmentDefinitionNode):
                raise OperationFileError(f"{path}: a fragments/ file holds fragments only")
            name = definition.name.value
            if name in shared:
                raise OperationFileError(f"{path}: fragment {name} is also in {shared[name][1]}")
            shared[name] = (definition, path)
    return shared


def _build(
    path: Path, client: str, shared: dict[str, tuple[FragmentDefinitionNode, Path]]
) -> tuple[TrustedDocument, DocumentNode]:
    """The stored document of one operation file, and the file's own document with the shared
    fragments it uses (what the tests validate: an unused fragment of the file stays in it)."""
    parsed = _parse_file(path)
    operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].name is None:
        raise OperationFileError(f"{path}: a file holds exactly one named operation")
    operation = operations[0]
    if operation.name is None or operation.name.value != path.stem:  # (None: for mypy)
        raise OperationFileError(f"{path}: the operation must be named after the file")
    own = {d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)}
    try:
        used = used_fragments(operation, {**{n: f for n, (f, _) in shared.items()}, **own})
    except KeyError as missing:
        raise OperationFileError(f"{path}: fragment {missing.args[0]} is defined nowhere") from None
    text = normal_form(operation, used)
    document = parse(text)  # the executor gets exactly what the id names
    borrowed = tuple(used[n] for n in sorted(used) if n not in own)
    as_written = DocumentNode(definitions=(*parsed.definitions, *borrowed))
    stored = TrustedDocument(
        id=document_id(text),
        client=client,
        name=path.stem,
        type=operation.operation,
        text=text,
        document=document,
        path=path,
    )
    return stored, as_written


def read_operations(root: Path = OPERATIONS_DIR) -> list[tuple[TrustedDocument, DocumentNode]]:
    """Every operation under `root` with the file as written (see `_build`), by client then
    name. Raises OperationFileError for a file that breaks the layout rules, a name used twice
    (across clients too) and a shared fragment no operation uses."""
    built: list[tuple[TrustedDocument, DocumentNode]] = []
    for client in CLIENTS:
        client_dir = root / client
        shared = _shared_fragments(client_dir)
        client_built = [
            _build(path, client, shared) for path in sorted(client_dir.glob("*.graphql"))
        ]
        spread = set().union(*(_spread_names(written) for _, written in client_built))
        for name, (_, path) in shared.items():
            if name not in spread:
                raise OperationFileError(f"{path}: fragment {name} is used by no operation")
        built.extend(client_built)
    seen: dict[str, Path] = {}
    for stored, _ in built:
        if stored.name in seen:
            raise OperationFileError(f"{stored.path}: {stored.name} is also {seen[stored.name]}")
        seen[stored.name] = stored.path
    return built


def validation_errors(document: DocumentNode, schema: GraphQLSchema) -> list[str]:
    """graphql-core's standard rules: unknown fields, wrong variables, unused fragments, ..."""
    return [error.message for error in validate(schema, document, specified_rules)]


def manifest(documents: Sequence[TrustedDocument]) -> dict[str, dict[str, str]]:
    return {d.id: d.manifest_entry() for d in sorted(documents, key=lambda d: d.id)}


def manifest_text(documents: Sequence[TrustedDocument]) -> str:
    """operations/manifest.json as committed: ids sorted, two-space indents, a final newline."""
    return json.dumps(manifest(documents), indent=2, sort_keys=True) + "\n"


# Parsed and validated operations by (schema, the files' contents): a process that starts
# several apps on one schema (the test suite starts hundreds) reads them once. The schema is
# kept with its entry, so its id is never reused for another while the entry lives.
_validated: dict[tuple[int, str], tuple[GraphQLSchema, list[tuple[TrustedDocument, list[str]]]]]
_validated = {}


def _read_and_validate(
    schema: GraphQLSchema, root: Path
) -> list[tuple[TrustedDocument, list[str]]]:
    """Every operation under `root` with its validation errors against `schema`."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.graphql")):
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    key = (id(schema), digest.hexdigest())
    entry = _validated.get(key)
    if entry is None or entry[0] is not schema:
        checked = [(s, validation_errors(w, schema)) for s, w in read_operations(root)]
        if len(_validated) > 16:
            _validated.clear()
        entry = _validated[key] = (schema, checked)
    return entry[1]


class TrustedDocuments:
    """The documents a server runs by id, read, parsed and validated once at start-up."""

    def __init__(self, documents: Sequence[TrustedDocument]) -> None:
        self._by_id = {d.id: d for d in documents}
        self._by_text = {d.text: d for d in documents}
        self._parsed = {id(d.document) for d in documents}

    @classmethod
    def load(
        cls,
        schema: GraphQLSchema,
        root: Path = OPERATIONS_DIR,
        limits: Callable[[DocumentNode], list[str]] = lambda document: [],
    ) -> TrustedDocuments:
        """Every operation under `root`. A file that does not validate against `schema`, or
        breaks the server's `limits`, stops the server from starting, naming file and problem."""
        for stored, invalid in _read_and_validate(schema, root):
            problems = invalid + limits(stored.document)
            if problems:
                raise OperationFileError(f"{stored.path}: {'; '.join(problems)}")
        return cls([stored for stored, _ in _read_and_validate(schema, root)])

    def get(self, document_id: str) -> TrustedDocument | None:
        return self._by_id.get(document_id)

    def by_text(self, text: str | None) -> TrustedDocument | None:
        """The stored document whose normal form this is (what a request by id executes)."""
        return self._by_text.get(text) if text is not None else None

    def holds(self, document: object) -> bool:
        """Whether this is one of the stored, already validated documents (by identity)."""
        return id(document) in self._parsed

    def __iter__(self) -> Iterator[TrustedDocument]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)
