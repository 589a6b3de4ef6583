// A trusted document over the reference graphql-ws client (over `ws`), as the clerk app sends
// it: `node persisted_subscribe.mjs WS_URL TOKEN PAYLOAD_JSON COUNT QUIET_MS`. PAYLOAD_JSON is
// the subscribe payload, e.g. {"documentId": "sha256:...", "variables": {...}}; graphql-ws
// requires a `query` string, so an empty one is sent beside the id unless the payload has one.
// Prints one JSON line per thing that happens ({"next": ...}, {"error": ...}, {"complete":
// true}, {"closed": {code, reason}}), and after COUNT results waits QUIET_MS for anything
// further before it disposes the client and exits 0. tests/trusted/test_persisted_ws.py drives it.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, payloadArg, countArg, quietArg] = process.argv.slice(2);
const payload = { query: '', ...JSON.parse(payloadArg) };
const expected = Number(countArg ?? '1');
const quietMs = Number(quietArg ?? '300');
const print = (line) => process.stdout.write(JSON.stringify(line) + '\n');

setTimeout(() => {
  print({ timeout: true });
  process.exit(3);
}, 30000).unref();

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: {
    connected: () => print({ connected: true }),
    closed: (event) => print({ closed: { code: event.code, reason: event.reason } }),
  },
});

await new Promise((resolve) => {
  let received = 0;
  const unsubscribe = client.subscribe(payload, {
    next: (result) => {
      print({ next: result });
      received += 1;
      if (received === expected) {
        setTimeout(() => {
          unsubscribe();
          resolve();
        }, quietMs);
      }
    },
    error: (error) => {
      const shown = error && typeof error.code === 'number'
        ? { code: error.code, reason: error.reason }
        : Array.isArray(error) ? error : String(error);
      print({ error: shown });
      resolve();
    },
    complete: () => {
      print({ complete: true });
      resolve();
    },
  });
});
await client.dispose();
