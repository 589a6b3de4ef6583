// The board's only way to the server: trusted documents by id over POST /graphql.
// The token lives in this module's memory alone (never a URL, never storage).

let token = null;
let ids = null;

export class GqlError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
    this.code = errors[0]?.extensions?.code ?? "INTERNAL";
  }
}

export async function loadOperations() {
  const response = await fetch("/board/operations.json", { credentials: "same-origin" });
  ids = await response.json();
}

export function documentId(name) {
  const id = ids?.[name];
  if (!id) throw new Error(`no trusted document named ${name}`);
  return id;
}

export function setToken(value) { token = value; }
export function getToken() { return token; }

export async function run(name, variables = {}) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch("/graphql", {
    method: "POST",
    headers,
    credentials: "omit",
    body: JSON.stringify({ documentId: documentId(name), variables }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new GqlError(body.errors);
  return body.data;
}

// A photo's bytes through the photo route (GET /photos/{id}[/thumbnail]) with the bearer
// token, as an object URL an <img> may show under the page's img-src 'self' blob: policy.
export async function photoUrl(path) {
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {}, credentials: "omit" });
  if (!response.ok) throw new Error(`photo ${response.status}`);
  return URL.createObjectURL(await response.blob());
}

// One key per user action, so a retried request is applied once (the API's idempotency keys).
export function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
