// A complaint handler's live feed through the reference graphql-ws client (over `ws`), as a
// user's app would open it: `node complaint_events.mjs WS_URL TOKEN COUNT QUIET_MS`.
// Subscribes to complaintEvents, prints one JSON line per thing that happens ({"next": ...},
// {"error": ...}, {"closed": {code, reason}}), and after COUNT results waits QUIET_MS for
// anything further before it disposes the client and exits 0.
// tests/realtime/test_standard_clients.py drives it.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, countArg, quietArg] = process.argv.slice(2);
const expected = Number(countArg ?? '0');
const quietMs = Number(quietArg ?? '300');
const print = (line) => process.stdout.write(JSON.stringify(line) + '\n');

const EVENTS = `subscription {
  complaintEvents { id kind complaint { id status store { code } assignee { username } } }
}`;

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
  const unsubscribe = client.subscribe(
    { query: EVENTS },
    {
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
        // A CloseEvent when the server closed the socket, else GraphQL errors or an Error.
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
    },
  );
});
await client.dispose();
