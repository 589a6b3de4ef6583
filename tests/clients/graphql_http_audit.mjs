// The graphql-http package's server audits (GraphQL over HTTP conformance) against a running
// Chainstore: `node graphql_http_audit.mjs http://127.0.0.1:PORT/graphql [TOKEN]`, every
// request with `Authorization: Bearer TOKEN` when given. Prints one JSON array, an entry per
// audit (id, name, status ok|error|warn|notice, and why when not ok);
// tests/test_graphql_http_audit.py reads it.
import { serverAudits } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url) {
  console.error('usage: node graphql_http_audit.mjs <graphql url> [token]');
  process.exit(2);
}

const fetchFn = (input, init = {}) =>
  fetch(input, {
    ...init,
    headers: token ? { ...init.headers, authorization: `Bearer ${token}` } : init.headers,
  });
const results = await Promise.all(serverAudits({ url, fetchFn }).map((audit) => audit.fn()));
const report = [];
for (const result of results) {
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    entry.reason = result.reason;
    entry.responseStatus = result.response.status;
    entry.contentType = result.response.headers.get('content-type');
    try {
      entry.body = (await result.response.text()).slice(0, 500);
    } catch {
      entry.body = '(body already read by the audit)';
    }
  }
  report.push(entry);
}
console.log(JSON.stringify(report));
