#!/usr/bin/env node
// The REFERENCE Socket.IO clients from npm against SioScope's embedded server, for
// tests/peer/tst_server_peer.cpp.
//
//   node client-driver.js '<json config>'
//
// Config:
//   url          "http://127.0.0.1:<port>" (required)
//   flavor       "4": socket.io-client 4.8 (Engine.IO v4 / Socket.IO v5); "2": socket.io-client 2.5
//                (Engine.IO v3 / Socket.IO v4). Default "4".
//   transports   ["polling"], ["websocket"] or ["polling","websocket"] (polling, then the upgrade)
//   timeoutMs    per step; default 5000
//   parser       "msgpack": socket.io-msgpack-parser (flavor 4 only); default: the stock parser
//   scenario     "server" (default; tst_server_peer.cpp), "mock-rules" (tst_mockrules_peer.cpp:
//                resources/mock-rules/example.json served by the mock rules engine) or "demo"
//                (tst_demo_peer.cpp: the built-in demo, core/server/demoscenario.h)
//   demoKick     "demo" only: also wait for the server to disconnect "/chat" (every 20 s at the
//                demo's real pace); default false
//
// It plays one fixed scenario against the server the test sets up,
// covering every packet type both ways, binary and acks included, and prints one JSON line per
// step on stdout:
//   {"step":"<name>","ok":true,"value":<what was received>}
//   {"step":"<name>","ok":false,"error":"<why>"}
// then {"done":true,"transport":"<final transport>"}. Binary values are written as
// {"$bin":"<hex>"}. Logs go to stderr. Exits when its parent process goes away.
"use strict";

let config;
try {
  config = JSON.parse(process.argv[2] || "{}");
} catch (e) {
  process.stderr.write(`[driver] bad JSON config: ${e.message}\n`);
  process.exit(2);
}
const flavor = String(config.flavor ?? "4");
const v5 = flavor === "4";
const io = v5 ? require("socket.io-client") : require("socket.io-client-v2");
const shared = require("./peer-process");
const { plain } = shared;
const url = config.url;
const transports = config.transports || ["polling", "websocket"];
const timeoutMs = config.timeoutMs || 5000;
const parser = config.parser === "msgpack" ? require("socket.io-msgpack-parser") : undefined;
if (config.parser !== undefined && config.parser !== "default" && config.parser !== "msgpack") {
  process.stderr.write(`[driver] unknown parser ${JSON.stringify(config.parser)}\n`);
  process.exit(2);
}

function log(...args) {
  process.stderr.write(`[driver] ${args.join(" ")}\n`);
}

function report(step, ok, valueOrError) {
  const line = ok ? { step, ok: true, value: plain(valueOrError) } : { step, ok: false, error: String(valueOrError) };
  process.stdout.write(JSON.stringify(line) + "\n");
}

function withTimeout(name, executor) {
  return shared.withTimeout(name, timeoutMs, executor);
}

async function step(name, fn) {
  try {
    report(name, true, await fn());
  } catch (e) {
    report(name, false, e && e.message ? e.message : e);
  }
}

// A socket on a namespace, connecting at once, with auth the way each flavor sends it: v5 in the
// CONNECT payload, v2 as the namespace query in the CONNECT packet ("0/admin?token=x,").
function open(nsp, auth) {
  const socket = manager.socket(nsp, v5 && auth ? { auth } : {});
  setAuth(socket, auth);
  socket.connect();
  return socket;
}

function setAuth(socket, auth) {
  if (v5) socket.auth = auth || {};
  else socket.query = auth || undefined;
}

function once(socket, event) {
  return shared.nextEvent(socket, event, timeoutMs);
}

let manager;

function newManager(query) {
  if (v5) return new io.Manager(url, { transports, reconnection: false, autoConnect: false, parser });
  return io.Manager(url, { transports, reconnection: false, autoConnect: false, query });
}

function connected(socket) {
  return shared.connected(socket, timeoutMs);
}

// With polling first and then WebSocket, resolves once the upgrade is over. engine.io-client
// cannot recover from a probe that fails while it pauses polling for the upgrade: polling stays
// paused and the session hangs until its ping timeout. A fault that cuts the connections in that
// window (a POST in flight, no GET) left the client waiting, so faults wait for the upgrade.
function upgradeOver(engine) {
  if (!engine || !transports.includes("websocket") || engine.transport.name === "websocket")
    return Promise.resolve();
  return withTimeout("upgrade", (resolve) => {
    engine.once("upgrade", () => resolve());
    engine.once("upgradeError", () => resolve());
  });
}

// "/admin" with a wrong token: what the refusal carries.
function refusedWithWrongToken(admin) {
  return withTimeout("refused", (resolve, reject) => {
    admin.once("connect", () => reject(new Error("connected with a wrong token")));
    if (v5) admin.once("connect_error", (e) => resolve({ message: e.message, data: e.data }));
    else admin.once("error", (e) => resolve({ error: e }));
    setAuth(admin, { token: "wrong" });
    admin.connect();
  });
}

// After refusedWithWrongToken: drops the listeners it left and connects again with `token`.
function connectedWithToken(admin, token) {
  admin.removeAllListeners("connect");
  admin.removeAllListeners("connect_error");
  admin.removeAllListeners("error");
  setAuth(admin, { token });
  admin.connect();
  return connected(admin);
}

// A namespace the server does not have.
function refusedAsInvalid() {
  return withTimeout("invalid", (resolve, reject) => {
    const nope = open("/nope", null);
    nope.once("connect", () => reject(new Error("connected to an unknown namespace")));
    if (v5) nope.once("connect_error", (e) => resolve({ message: e.message }));
    else nope.once("error", (e) => resolve({ error: e }));
  });
}

// How a connection ends when the server sends `event`: the first "disconnect" reason, "error",
// or an exception thrown out of the client (socket.io-client 2's parser throws on a broken packet).
function ending(socket, event) {
  let uncaught;
  return withTimeout(event, (resolve) => {
    uncaught = (e) => resolve({ uncaught: e && e.message ? e.message : String(e) });
    process.once("uncaughtException", uncaught);
    socket.once("disconnect", (reason) => resolve({ disconnect: reason }));
    socket.once("error", (e) => resolve({ error: e && e.message ? e.message : e }));
    socket.emit(event);
  }).finally(() => process.removeListener("uncaughtException", uncaught));
}

// resources/mock-rules/example.json, rule by rule.
async function mockRules() {
  manager = newManager(undefined);
  const root = open("/", null);
  const ticks = [];
  root.on("tick", (...args) => ticks.push(args));
  const welcome = once(root, "welcome");
  await step("connect", () => connected(root));
  await step("welcome", async () => (await welcome)[0]);
  await step("reply", async () => {
    const answer = once(root, "hello-back");
    root.emit("hello", "world", { n: 1 });
    return await answer;
  });
  await step("ack-echo", () => withTimeout("ack-echo", (resolve) => root.emit("echo-ack", "a", [2], (...args) => resolve(args))));
  await step("ack-payload", () => withTimeout("ack-payload", (resolve) => root.emit("price", (...args) => resolve(args))));
  await step("binary", async () => {
    const answer = once(root, "snapshot");
    root.emit("snapshot");
    return (await answer)[0];
  });
  await step("delays", async () => {
    const started = Date.now();
    const steps = [];
    const done = withTimeout("delays", (resolve) => {
      root.on("step", (n) => {
        steps.push({ n, ms: Date.now() - started });
        if (steps.length === 3) resolve(steps);
      });
    });
    root.emit("slow");
    return await done;
  });
  await step("room", async () => {
    const joined = once(root, "joined");
    root.emit("join");
    await joined;
    const shout = once(root, "shout");
    root.emit("shout", "hi room");
    return await shout;
  });
  // Three ticks were due 250, 500 and 750 ms after the start; none after.
  await step("ticks", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1200));
    return ticks;
  });
  const admin = manager.socket("/admin", {});
  await step("refused", () => refusedWithWrongToken(admin));
  await step("admin", async () => {
    const welcomeAdmin = once(admin, "admin-welcome");
    await connectedWithToken(admin, "secret");
    return await welcomeAdmin;
  });
  await step("invalid-namespace", refusedAsInvalid);
  await step("disconnect", () => ending(root, "bye"));
  manager.engine && manager.engine.close();

  // Faults end the connection: one manager each.
  for (const [name, event] of [["drop", "crash"], ["invalid-packet", "garbage"]]) {
    manager = newManager(undefined);
    const socket = open("/", null);
    await step(name, async () => {
      await connected(socket);
      await upgradeOver(manager.engine);
      return await ending(socket, event);
    });
    manager.engine && manager.engine.close();
  }
  process.stdout.write(JSON.stringify({ done: true }) + "\n");
  setTimeout(() => process.exit(0), 50);
}

// The built-in demo (core/server/demoscenario.h): what it sends on its timers, the default
// handlers, /admin refused and then accepted, and (demoKick) /chat disconnected by the server.
// The timers run from when the server started: every wait is bounded by timeoutMs.
async function demo() {
  manager = newManager(undefined);
  const root = open("/", null);
  const chat = open("/chat", null);
  // Listening before the CONNECT: nothing the server sends first is missed. Each wait is
  // awaited by its step later; until then a timeout must not count as an unhandled rejection.
  const early = (promise) => {
    promise.catch(() => {});
    return promise;
  };
  const welcome = early(once(root, "welcome"));
  const tick = early(once(root, "tick"));
  const chatLine = early(once(chat, "chat"));
  const snapshot = early(once(root, "snapshot"));
  const kicked = config.demoKick ? early(once(chat, "disconnect")) : null;
  const poll = early(withTimeout("poll", (resolve) => {
    root.once("poll", (...args) => {
      const ack = args.pop();
      if (typeof ack !== "function") return resolve({ noAck: args });
      ack("here", 42);
      resolve(args);
    });
  }));
  await step("connect", () => connected(root));
  await step("chat-connect", () => connected(chat));
  await step("welcome", async () => (await welcome)[0]);
  await step("tick", async () => (await tick)[0]);
  await step("chat", async () => (await chatLine)[0]);
  await step("snapshot", async () => (await snapshot)[0]);
  await step("poll", () => poll);
  await step("message", async () => {
    const answer = once(root, "message-back");
    root.emit("message", "hi", { n: 1 });
    return await answer;
  });
  await step("message-with-ack", () =>
    withTimeout("message-with-ack", (resolve) =>
      root.emit("message-with-ack", Buffer.from([0x00, 0x01, 0xfe]), { nested: Buffer.from("ok") }, (...args) =>
        resolve(args))));
  const admin = manager.socket("/admin", {});
  await step("refused", () => refusedWithWrongToken(admin));
  await step("admin", () => connectedWithToken(admin, "demo"));
  if (kicked) await step("kicked", async () => [(await kicked)[0]]);
  const transport = manager.engine && manager.engine.transport ? manager.engine.transport.name : null;
  process.stdout.write(JSON.stringify({ done: true, transport }) + "\n");
  if (manager.engine) manager.engine.close();
  setTimeout(() => process.exit(0), 50);
}

async function main() {
  if (config.scenario === "mock-rules") return mockRules();
  if (config.scenario === "demo") return demo();
  manager = newManager({ token: "abc" });

  // 1. CONNECT to "/" with auth (v2: the handshake query); the server answers with "welcome".
  const root = open("/", v5 ? { token: "abc" } : null);
  const welcome = once(root, "welcome");
  await step("connect", () => withTimeout("connect", (resolve, reject) => {
    if (root.connected) return resolve({ connected: true });
    root.once("connect", () => resolve({ connected: true }));
    root.once("connect_error", (e) => reject(new Error(`connect_error: ${e && e.message}`)));
    root.once("error", (e) => reject(new Error(`error: ${JSON.stringify(e)}`)));
  }));
  await step("welcome", async () => (await welcome)[0]);

  // 2. EVENT and BINARY_EVENT both ways: the server echoes the arguments.
  await step("echo", async () => {
    const answer = once(root, "echo");
    root.emit("echo", 1, "two", { three: [true] });
    return await answer;
  });
  await step("echo-binary", async () => {
    const answer = once(root, "echo");
    root.emit("echo", Buffer.from([1, 2, 3]), { nested: { buf: Buffer.from("hello") }, list: [Buffer.from([0xff]), 42] });
    return await answer;
  });

  // 3. ACK and BINARY_ACK from the server for our events.
  await step("ack", () => withTimeout("ack", (resolve) => root.emit("echo-ack", "a", { b: 2 }, (...args) => resolve(args))));
  await step("ack-binary", () =>
    withTimeout("ack-binary", (resolve) => root.emit("echo-ack", Buffer.from([9, 8, 7]), "x", (...args) => resolve(args))));

  // 4. The server asks twice (EVENT with an id); we answer with an ACK, then a BINARY_ACK; it
  // reports each answer as "answered".
  root.on("ask", (payload, ack) => {
    if (payload && payload.binary) ack("answer", payload, Buffer.from([0xca, 0xfe]));
    else ack("answer", payload);
  });
  await step("server-ack", async () => {
    const answers = [];
    const done = withTimeout("answered", (resolve) => {
      root.on("answered", (...args) => {
        answers.push(args);
        if (answers.length === 2) resolve(answers);
      });
    });
    root.emit("request-ack");
    return await done;
  });

  // 5. Rooms: join one, ask for a broadcast to it.
  await step("room", async () => {
    const message = once(root, "room-msg");
    root.emit("join", "room1");
    root.emit("broadcast", "room1");
    return await message;
  });

  // 6. A namespace refused by the connect hook, then accepted with the right token.
  const admin = manager.socket("/admin", {});
  await step("refused", () => refusedWithWrongToken(admin));
  await step("admin", () => withTimeout("admin", (resolve, reject) => {
    admin.removeAllListeners("connect");
    admin.once("connect", () => resolve({ connected: true }));
    if (v5) admin.once("connect_error", (e) => reject(new Error(e.message)));
    else admin.once("error", (e) => reject(new Error(JSON.stringify(e))));
    setAuth(admin, { token: "secret" });
    admin.connect();
  }));
  await step("admin-welcome", async () => {
    const answer = once(admin, "echo");
    admin.emit("echo", "on admin");
    return await answer;
  });

  // 7. An unknown namespace.
  await step("invalid", refusedAsInvalid);

  // The transport now, while the connection is up (after the upgrade when there is one).
  const transport = manager.engine && manager.engine.transport ? manager.engine.transport.name : null;

  // 8. DISCONNECT from us (the server reports what it saw), then from the server.
  await step("client-disconnect", async () => {
    const answer = once(root, "left");
    admin.disconnect();
    root.emit("did-admin-leave");
    return await answer;
  });
  await step("server-disconnect", async () => {
    const gone = once(root, "disconnect");
    root.emit("kick");
    return [(await gone)[0]]; // the reason (4.x adds a description)
  });

  process.stdout.write(JSON.stringify({ done: true, transport }) + "\n");
  if (manager.engine) manager.engine.close();
  setTimeout(() => process.exit(0), 50);
}

// The test process may die without stopping us: then our parent changes.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();

main().catch((e) => {
  log("failed:", e && e.stack ? e.stack : e);
  process.stdout.write(JSON.stringify({ done: false, error: String(e && e.message ? e.message : e) }) + "\n");
  process.exit(1);
});
