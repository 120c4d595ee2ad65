#!/usr/bin/env node
// The REAL socket.io-client (4.8 or 2.5) against the reference server (server.js), with or
// without `sioscope-cli proxy` in between, for tests/peer/tst_proxymode_peer.cpp.
// (client-driver.js plays the embedded server's scenario, whose events server.js does not have.)
//
//   node proxy-client.js '<json config>'
//
// Config:
//   url          "http://127.0.0.1:<port>" (required)
//   flavor       "4": socket.io-client 4.8; "2": socket.io-client 2.5. Default "4".
//   transports   ["polling"], ["websocket"] or ["polling","websocket"] (default: the upgrade)
//   parser       "msgpack": socket.io-msgpack-parser (flavor 4 only); default: the stock parser
//   timeoutMs    per step; default 5000
//   scenario     "session" (default): on "/" (with auth, v2: the handshake query) and "/chat":
//                  connect, welcome, then on each namespace: echo, echo-binary, ack, ack-binary
//                  (server.js's echo-ack), server-ack and server-ack-binary (request-ack: the
//                  server asks, we answer with an ACK, then a BINARY_ACK) and server-binary
//                  (emit-binary); then "/chat" leaves (DISCONNECT) and the engine closes.
//                  Step names are "<nsp> <step>", e.g. "/chat ack-binary".
//                "many": `count` clients (default 100) at once, each connecting to "/" and
//                  emitting echo-ack; one step "many" {"acked","failed","sids","errors"}.
//                "hold": connect to "/", echo and ack, then {"step":"ready"} with the events
//                  received so far, then waits (up to holdMs, default 20000) for the disconnect:
//                  step "disconnect" with its reason.
//
// Prints one JSON line per step on stdout, {"step","ok":true,"value"} or {"step","ok":false,
// "error"}, then {"done":true,"transport":"<transport while connected>"}. Binary values are
// written as {"$bin":"<hex>"}. Logs go to stderr. Exits when its parent process goes away.
"use strict";

const shared = require("./peer-process");
const { plain } = shared;
const { log, fail, config } = shared.peerProcess("proxy-client");

const flavor = String(config.flavor ?? "4");
if (flavor !== "4" && flavor !== "2") fail(`unknown flavor ${JSON.stringify(config.flavor)}`);
const v5 = flavor === "4";
const io = v5 ? require("socket.io-client") : require("socket.io-client-v2");
const url = config.url;
if (typeof url !== "string") fail("url is required");
const transports = config.transports || ["polling", "websocket"];
const timeoutMs = config.timeoutMs || 5000;
if (config.parser !== undefined && config.parser !== "default" && config.parser !== "msgpack")
  fail(`unknown parser ${JSON.stringify(config.parser)}`);
const parser = config.parser === "msgpack" ? require("socket.io-msgpack-parser") : undefined;


const print = (object) => process.stdout.write(JSON.stringify(object) + "\n");

function withTimeout(name, executor) {
  return shared.withTimeout(name, timeoutMs, executor);
}

async function step(name, fn) {
  try {
    print({ step: name, ok: true, value: plain(await fn()) });
  } catch (e) {
    print({ step: name, ok: false, error: String(e && e.message ? e.message : e) });
  }
}

function once(socket, event) {
  return shared.nextEvent(socket, event, timeoutMs);
}

function connected(socket) {
  return shared.connected(socket, timeoutMs);
}

function newManager(query) {
  const options = { transports, reconnection: false, autoConnect: false, forceNew: true };
  if (v5) return new io.Manager(url, Object.assign(options, { parser }));
  return io.Manager(url, Object.assign(options, { query }));
}

function open(manager, nsp, auth) {
  const socket = manager.socket(nsp, v5 && auth ? { auth } : {});
  socket.connect();
  return socket;
}

function transportOf(manager) {
  return manager.engine && manager.engine.transport ? manager.engine.transport.name : null;
}

// The server's asks are answered: {binary: true} with a BINARY_ACK, anything else with an ACK.
function answerAsks(socket) {
  socket.on("ask", (payload, ack) => {
    if (typeof ack !== "function") return;
    if (payload && payload.binary) ack("answer", payload, Buffer.from([0xca, 0xfe]));
    else ack("answer", payload);
  });
}

async function namespaceSteps(socket, nsp) {
  await step(`${nsp} echo`, async () => {
    const answer = once(socket, "echo");
    socket.emit("echo", 1, "two", { three: [true], nsp });
    return await answer;
  });
  await step(`${nsp} echo-binary`, async () => {
    const answer = once(socket, "echo");
    socket.emit("echo", Buffer.from([1, 2, 3]), { nested: { buf: Buffer.from(nsp) }, list: [Buffer.from([0xff]), 42] });
    return await answer;
  });
  await step(`${nsp} ack`, () =>
    withTimeout("ack", (resolve) => socket.emit("echo-ack", "a", { b: 2, nsp }, (...args) => resolve(args))));
  await step(`${nsp} ack-binary`, () =>
    withTimeout("ack-binary", (resolve) => socket.emit("echo-ack", Buffer.from([9, 8, 7]), nsp, (...args) => resolve(args))));
  await step(`${nsp} server-ack`, async () => {
    const answered = once(socket, "answered");
    socket.emit("request-ack", { q: nsp });
    return await answered;
  });
  await step(`${nsp} server-ack-binary`, async () => {
    const answered = once(socket, "answered");
    socket.emit("request-ack", { binary: true, q: nsp });
    return await answered;
  });
  await step(`${nsp} server-binary`, async () => {
    const answer = once(socket, "binary");
    socket.emit("emit-binary");
    return await answer;
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function session() {
  const manager = newManager({ token: "abc" });
  const root = open(manager, "/", { token: "abc" });
  const chat = open(manager, "/chat", null);
  answerAsks(root);
  answerAsks(chat);
  const rootWelcome = once(root, "welcome");
  const chatWelcome = once(chat, "welcome");
  rootWelcome.catch(() => {});
  chatWelcome.catch(() => {});
  await step("/ connect", () => connected(root));
  await step("/chat connect", () => connected(chat));
  await step("/ welcome", async () => (await rootWelcome)[0]);
  await step("/chat welcome", async () => (await chatWelcome)[0]);
  // With the upgrade: the namespaces' traffic starts after it (both flavors upgrade at once).
  if (transports.length > 1)
    await step("upgraded", () =>
      withTimeout("upgrade", (resolve) => {
        if (transportOf(manager) === "websocket") return resolve("websocket");
        manager.engine.once("upgrade", () => resolve(transportOf(manager)));
      }));
  await namespaceSteps(root, "/");
  await namespaceSteps(chat, "/chat");
  const transport = transportOf(manager);
  chat.disconnect();
  await sleep(100);
  root.disconnect();
  await sleep(300); // the DISCONNECT and the engine's CLOSE reach the server
  print({ done: true, transport });
  process.exit(0);
}

async function many() {
  const count = Math.max(1, Math.min(1000, Number(config.count ?? 100)));
  const clients = Array.from({ length: count }, () => {
    const manager = newManager(undefined);
    return { manager, socket: open(manager, "/", null) };
  });
  const errors = [];
  const results = await Promise.all(
    clients.map(async ({ manager, socket }, i) => {
      try {
        await connected(socket);
        const answer = await withTimeout("echo-ack", (resolve) => socket.emit("echo-ack", "client", i, (...args) => resolve(args)));
        if (answer[0] !== "client" || answer[1] !== i) throw new Error(`wrong ack ${JSON.stringify(answer)}`);
        return manager.engine.id;
      } catch (e) {
        errors.push(`${i}: ${e.message}`);
        return null;
      }
    })
  );
  const sids = results.filter((sid) => sid !== null);
  print({ step: "many", ok: errors.length === 0, value: { acked: sids.length, failed: errors.length, sids, errors } });
  for (const { socket } of clients) socket.disconnect();
  await sleep(300);
  print({ done: true, transport: transportOf(clients[0].manager) });
  process.exit(0);
}

async function hold() {
  const manager = newManager(undefined);
  const root = open(manager, "/", null);
  const received = [];
  for (const event of ["welcome", "echo"]) root.on(event, () => received.push(event));
  const gone = new Promise((resolve) => root.once("disconnect", (reason) => resolve(reason)));
  const welcome = once(root, "welcome");
  welcome.catch(() => {});
  await step("/ connect", () => connected(root));
  await step("/ welcome", async () => (await welcome)[0]);
  await step("/ echo", async () => {
    const answer = once(root, "echo");
    root.emit("echo", "before the kill");
    return await answer;
  });
  await step("/ ack", () => withTimeout("ack", (resolve) => root.emit("echo-ack", "acked before the kill", (...args) => resolve(args))));
  const transport = transportOf(manager);
  print({ step: "ready", ok: true, value: { received: received.slice(), transport } });
  const holdMs = Math.max(0, Math.min(60000, Number(config.holdMs ?? 20000)));
  await step("disconnect", () =>
    Promise.race([gone, sleep(holdMs).then(() => Promise.reject(new Error(`still connected after ${holdMs} ms`)))]));
  print({ done: true, transport });
  process.exit(0);
}

const scenarios = { session, many, hold };
const scenario = scenarios[config.scenario ?? "session"];
if (!scenario) fail(`unknown scenario ${JSON.stringify(config.scenario)}`);
scenario().catch((e) => {
  log("failed:", e && e.stack ? e.stack : e);
  print({ done: false, error: String(e && e.message ? e.message : e) });
  process.exit(1);
});
