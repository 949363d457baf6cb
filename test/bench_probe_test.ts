import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import { test } from "node:test";
import { awaitServed } from "../bench/_probe.ts";
import { freePort, within } from "./_harness.ts";

/** An HTTP server on 127.0.0.1 whose answer to each request `answer` decides (null: hold it, never answer); counts its open connections. */
async function server(answer: (request: number, connection: number) => string | null): Promise<{ port: number; open: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const order = new WeakMap<Socket, number>();
  let connections = 0;
  let requests = 0;
  const httpServer = http.createServer((request, response) => {
    const body = answer(requests++, order.get(request.socket) ?? -1);
    if (body !== null) response.end(body);
  });
  httpServer.on("connection", (socket: Socket) => {
    order.set(socket, connections++);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => httpServer.listen({ host: "127.0.0.1", port: 0 }, resolve));
  return {
    port: (httpServer.address() as AddressInfo).port,
    open: () => sockets.size,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

async function allClosed(open: () => number): Promise<void> {
  await within(10_000, "every probe connection closed", (async () => {
    while (open() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  })());
}

test("awaitServed skips answers from the pid in `not` and closes every connection it leaves", async () => {
  const target = await server((request) => `ok ${request < 3 ? 7 : 8}\n`);
  try {
    const served = await awaitServed(target.port, { ms: 10_000, not: 7 });
    assert.equal(served.pid, 8);
    assert.ok(served.probes >= 4, `${served.probes} probes: three answers from pid 7 come first`);
    assert.equal(served.hung, 0);
    await allClosed(target.open);
  } finally {
    await target.close();
  }
});

test("awaitServed gets past a connection held without an answer, counts it as hung and closes it", async () => {
  // The first connection (the first probe: connections are accepted in the order they were opened) is held for good.
  const target = await server((_request, connection) => (connection === 0 ? null : "ok 8\n"));
  try {
    const served = await awaitServed(target.port, { ms: 10_000 });
    assert.equal(served.pid, 8);
    assert.equal(served.hung, 1);
    await allClosed(target.open);
  } finally {
    await target.close();
  }
});

test("awaitServed rejects at its deadline, and with the signal's reason once aborted", async () => {
  const port = await freePort(); // nothing listens: every probe is refused
  await assert.rejects(awaitServed(port, { ms: 50 }), /no answer within 50 ms/);
  const controller = new AbortController();
  const served = awaitServed(port, { ms: 10_000, signal: controller.signal });
  setTimeout(() => controller.abort(new Error("given up")), 20);
  await assert.rejects(served, /given up/);
});
