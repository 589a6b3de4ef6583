// A small graphql-transport-ws client: connection_init with the token, subscribe by trusted
// document id, ping/pong, and a resubscribe from the last event id after a dropped socket.
import { documentId, getToken } from "./gql.js";

export class LiveSocket {
  constructor(onStatus = () => {}) {
    this.onStatus = onStatus;
    this.subs = new Map();
    this.nextId = 1;
    this.ws = null;
    this.acked = false;
    this.closed = false;
    this.retry = 0;
  }

  open() {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
    const ws = new WebSocket(url, "graphql-transport-ws");
    this.ws = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${getToken()}` } }));
    };
    ws.onmessage = (event) => this.receive(JSON.parse(event.data));
    ws.onclose = () => {
      this.acked = false;
      this.onStatus("closed");
      if (!this.closed) {
        this.retry = Math.min(this.retry + 1, 5);
        setTimeout(() => this.open(), 500 * 2 ** this.retry);
      }
    };
  }

  receive(message) {
    switch (message.type) {
      case "connection_ack":
        this.acked = true;
        this.retry = 0;
        this.onStatus("live");
        for (const [id, sub] of this.subs) this.sendSubscribe(id, sub);
        break;
      case "ping":
        this.ws.send(JSON.stringify({ type: "pong" }));
        break;
      case "next": {
        const sub = this.subs.get(message.id);
        if (!sub) break;
        const data = message.payload?.data;
        if (data) {
          const event = Object.values(data)[0];
          if (event?.id) sub.variables = { ...sub.variables, lastEventId: event.id };
          sub.onNext(data);
        }
        break;
      }
      case "error":
        this.subs.get(message.id)?.onError?.(message.payload);
        break;
      case "complete":
        this.subs.delete(message.id);
        break;
      default:
        break;
    }
  }

  sendSubscribe(id, sub) {
    this.ws.send(JSON.stringify({
      id, type: "subscribe", payload: { documentId: documentId(sub.name), variables: sub.variables },
    }));
  }

  subscribe(name, variables, onNext, onError) {
    const id = String(this.nextId++);
    const sub = { name, variables, onNext, onError };
    this.subs.set(id, sub);
    if (!this.ws) this.open();
    else if (this.acked) this.sendSubscribe(id, sub);
    return () => {
      this.subs.delete(id);
      if (this.acked) this.ws.send(JSON.stringify({ id, type: "complete" }));
    };
  }

  close() {
    this.closed = true;
    this.subs.clear();
    this.ws?.close(1000);
  }
}
