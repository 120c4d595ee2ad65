#!/usr/bin/env node
// A real reference Socket.IO server from npm, for the SioScope peer tests.
//
//   node server.js '<json config>'
//
// Config (every key optional; a missing key means the library's default):
//   flavor                  "4" (socket.io 4.8: Engine.IO v4 / Socket.IO v5) or "2" (socket.io 2.5:
//                           Engine.IO v3 / Socket.IO v4). Default "4".
//   port                    0 = a free port chosen by the OS. The server listens on 127.0.0.1 only.
//   pingInterval, pingTimeout, transports, allowUpgrades, maxHttpBufferSize, path
//   connectionStateRecovery true: maxDisconnectionDuration 2 minutes, skipMiddlewares (flavor 4 only)
//   allowEIO3               flavor 4 only
//   parser                  "msgpack": socket.io-msgpack-parser (flavor 4 only); default: the stock parser
//   tls                     {key, cert}: PEM file paths; the server speaks https/wss instead of http/ws.
//                           Also {ca, requestCert}: with requestCert true the server asks every client
//                           for a certificate signed by the CA in the PEM file `ca`, and refuses the
//                           TLS handshake without one (rejectUnauthorized: true)
//   notFoundPage            true: every other path is answered 404 with a small text/html page, as an
//                           express app does (without it a bare socket.io server never answers them)
//   changedAck              true: echo-ack answers with its arguments and one more, "changed" (a
//                           server whose reply changed, for the scenario round-trip test)
//   logRequests             true: one stderr line `[server] request {"method","url","upgrade","query","headers"}`
//                           per HTTP request to the Engine.IO path (polling GETs and POSTs, and the
//                           WebSocket upgrade requests), so that a test can check what reached it
//   logPackets              true: one stderr line `[server] packet <engine sid> {"type","data"}` per
//                           Engine.IO packet the server receives (binary data as "<N bytes>"), so
//                           that a test can check what reached it and what did not
//
// Prints exactly `listening <port>` on stdout once it accepts connections; logs go to stderr.
// Exits on SIGTERM/SIGINT, and when its parent process goes away. It does not read stdin.
// docs/testing.md ("Reference servers") lists what the server does on each event.
"use strict";

const fs = require("fs");
const http = require("http");
const https = require("https");

const MAX_FLOOD_COUNT = 2000000;
const MAX_FLOOD_SIZE = 64 * 1024 * 1024;
const MAX_MISSED = 100000;
const ASK_TIMEOUT_MS = 5000;

const { log, fail, config } = require("./peer-process").peerProcess("server");

const flavor = String(config.flavor ?? "4");
if (flavor !== "4" && flavor !== "2") fail(`unknown flavor ${JSON.stringify(config.flavor)}`);
const v5 = flavor === "4"; // Socket.IO protocol v5 (socket.io 3/4); otherwise v4 (socket.io 2)

function pick(keys) {
  const out = {};
  for (const k of keys) if (config[k] !== undefined && config[k] !== null) out[k] = config[k];
  return out;
}

const options = pick(["pingInterval", "pingTimeout", "transports", "allowUpgrades", "maxHttpBufferSize", "path"]);
options.serveClient = false;
if (v5) {
  Object.assign(options, pick(["allowEIO3"]));
  if (config.connectionStateRecovery) {
    options.connectionStateRecovery = {
      maxDisconnectionDuration: 2 * 60 * 1000,
      skipMiddlewares: true,
    };
  }
  if (config.parser === "msgpack") options.parser = require("socket.io-msgpack-parser");
  else if (config.parser !== undefined && config.parser !== "default")
    fail(`unknown parser ${JSON.stringify(config.parser)}`);
} else {
  for (const k of ["connectionStateRecovery", "allowEIO3", "parser"])
    if (config[k] && config[k] !== "default") log(`warning: ${k} is ignored by flavor 2`);
}

let httpServer;
if (config.tls !== undefined && config.tls !== null) {
  const tls = config.tls;
  if (typeof tls !== "object" || typeof tls.key !== "string" || typeof tls.cert !== "string")
    fail("tls must be {key, cert} with PEM file paths");
  if (tls.requestCert && typeof tls.ca !== "string")
    fail("tls.requestCert needs tls.ca, the PEM file of the CA that signs client certificates");
  const serverOptions = {};
  try {
    serverOptions.key = fs.readFileSync(tls.key);
    serverOptions.cert = fs.readFileSync(tls.cert);
    if (tls.ca !== undefined) serverOptions.ca = fs.readFileSync(tls.ca);
  } catch (e) {
    fail(`cannot read the TLS key, certificate or CA: ${e.message}`);
  }
  if (tls.requestCert) {
    serverOptions.requestCert = true;
    serverOptions.rejectUnauthorized = true;
  }
  httpServer = https.createServer(serverOptions);
  httpServer.on("tlsClientError", (e) => log(`TLS client error: ${e.message}`));
} else {
  httpServer = http.createServer();
}
// Before the library attaches: engine.io passes the requests for other paths to the listeners that
// were there before it.
if (config.notFoundPage) {
  httpServer.on("request", (req, res) => {
    res.writeHead(404, { "Content-Type": "text/html; charset=utf-8" });
    res.end(`<!DOCTYPE html><title>Error</title><pre>Cannot ${req.method} ${req.url.split("?")[0]}</pre>`);
  });
}
const io = v5
  ? new (require("socket.io").Server)(httpServer, options)
  : require("socket.io-v2")(httpServer, options);

// Added after the library attached its own listeners, so that these see every request too
// (engine.io re-dispatches the listeners that were there before it to non-engine paths only).
if (config.logRequests) {
  const enginePath = "/socket.io/";
  const logRequest = (req, upgrade) => {
    if (!req.url.startsWith(enginePath)) return;
    // The query as the server decodes it (application/x-www-form-urlencoded: "+" is a space).
    const query = Object.fromEntries(new URL(req.url, "http://localhost").searchParams);
    const entry = { method: req.method, url: req.url, upgrade, query, headers: req.headers };
    process.stderr.write(`[server] request ${JSON.stringify(entry)}\n`);
  };
  httpServer.on("request", (req) => logRequest(req, false));
  httpServer.on("upgrade", (req) => logRequest(req, true));
}

if (config.logPackets) {
  io.engine.on("connection", (conn) => {
    conn.on("packet", (packet) => {
      const data = typeof packet.data === "string" || packet.data === undefined
        ? packet.data : `<${packet.data.length ?? packet.data.byteLength} bytes>`;
      process.stderr.write(`[server] packet ${conn.id} ${JSON.stringify({ type: packet.type, data })}\n`);
    });
  });
}

// --- namespaces --------------------------------------------------------------------------------

const namespaces = ["/", "/chat", "/admin"];

io.of("/admin").use((socket, next) => {
  const token = v5 ? (socket.handshake.auth || {}).token : (socket.handshake.query || {}).token;
  if (token === "secret") return next();
  log(`refused ${socket.id} on /admin (token ${JSON.stringify(token)})`);
  if (v5) next(Object.assign(new Error("Not authorized"), { data: { reason: "bad token" } }));
  else next(new Error("Not authorized"));
});

for (const name of namespaces) {
  const nsp = io.of(name);
  nsp.on("connection", (socket) => onConnection(nsp, socket));
}

// --- behaviours --------------------------------------------------------------------------------

// A bad argument from a client must not take the server down: log it and carry on.
function guard(socket, event, fn) {
  socket.on(event, (...args) => {
    try {
      fn(...args);
    } catch (e) {
      log(`error in "${event}" handler of ${socket.id}: ${e && e.stack ? e.stack : e}`);
    }
  });
}

function transportName(socket) {
  return socket.conn && socket.conn.transport ? socket.conn.transport.name : "?";
}

function onConnection(nsp, socket) {
  const query = socket.handshake.query || {};
  const welcome = {
    nsp: nsp.name,
    sid: socket.id,
    auth: v5 ? socket.handshake.auth || {} : {},
  };
  if (query.token !== undefined) welcome.queryToken = query.token;
  if (v5) welcome.recovered = !!socket.recovered;
  log(
    `connect ${nsp.name} ${socket.id} engine=${socket.conn.id} transport=${transportName(socket)}` +
      (v5 && socket.recovered ? " (recovered)" : "")
  );
  socket.on("disconnect", (reason) => log(`disconnect ${nsp.name} ${socket.id} (${reason})`));
  socket.emit("welcome", welcome);

  guard(socket, "echo", (...args) => {
    socket.emit("echo", ...args);
  });

  guard(socket, "echo-ack", (...args) => {
    const ack = args.length ? args[args.length - 1] : undefined;
    if (typeof ack !== "function") return;
    const answer = args.slice(0, -1);
    if (config.changedAck) answer.push("changed");
    ack(...answer);
  });

  // describe(...args, ack): what the server's parser made of each argument, as JSON only:
  // a Buffer is {"$buffer":"<hex>"}, any other binary view {"$binary":"<its class>"}, at any
  // depth; the rest as it is. A client's binaries are thus checked on the server's side.
  guard(socket, "describe", (...args) => {
    const ack = args.length ? args[args.length - 1] : undefined;
    if (typeof ack !== "function") return;
    ack(args.slice(0, -1).map(describe));
  });

  // server-cpu(ack): this process's CPU time so far (user + system, every thread, µs), for the
  // ack benchmark's account of the server's share of a pipelined run.
  guard(socket, "server-cpu", (...args) => {
    const ack = args[args.length - 1];
    if (typeof ack !== "function") return;
    const usage = process.cpuUsage();
    ack(usage.user + usage.system);
  });

  // request-ack(payload[, timeoutMs]): the server asks the client and reports its answer.
  guard(socket, "request-ack", (...args) => {
    if (args.length && typeof args[args.length - 1] === "function") args.pop(); // ignore a client ack
    const payload = args[0];
    if (v5) {
      const timeout =
        Number.isFinite(args[1]) && args[1] > 0 ? Math.min(args[1], 600000) : ASK_TIMEOUT_MS;
      socket.timeout(timeout).emit("ask", payload, (err, ...answers) => {
        if (err) socket.emit("ask-timeout", payload);
        else socket.emit("answered", answers);
      });
    } else {
      socket.emit("ask", payload, (...answers) => socket.emit("answered", answers));
    }
  });

  // join-room(room, ack): the socket joins the room; the ack answers with its name.
  guard(socket, "join-room", (room, ack) => {
    if (typeof room !== "string") return;
    socket.join(room);
    if (typeof ack === "function") ack(room);
  });

  // to-room(room, event, ...args): a broadcast to the others in the room (not the sender).
  guard(socket, "to-room", (room, event, ...args) => {
    if (typeof room !== "string" || typeof event !== "string") return;
    if (args.length && typeof args[args.length - 1] === "function") args.pop();
    socket.to(room).emit(event, ...args);
  });

  guard(socket, "emit-binary", () => {
    socket.emit("binary", Buffer.from([1, 2, 3]), {
      nested: { buf: Buffer.from("hello") },
      list: [Buffer.from([0xff]), 42],
    });
  });

  guard(socket, "server-disconnect", () => {
    socket.disconnect(); // DISCONNECT for this namespace only; the engine stays up
  });

  guard(socket, "server-close-transport", () => {
    socket.conn.close(); // an unplanned transport drop, from the client's view
  });

  guard(socket, "drop-and-emit", (n) => {
    const count = clampInt(n, 0, MAX_MISSED, 1);
    socket.conn.close();
    setTimeout(() => {
      // Broadcasts, so that with connection state recovery the adapter stores them for the session.
      for (let i = 0; i < count; i++) io.of(nsp.name).emit("missed", i);
    }, 100);
  });

  guard(socket, "flood", (spec) => flood(socket, spec || {}));
}

function describe(value) {
  if (Buffer.isBuffer(value)) return { $buffer: value.toString("hex") };
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value))
    return { $binary: Object.prototype.toString.call(value) };
  if (Array.isArray(value)) return value.map(describe);
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = describe(v);
    return out;
  }
  return value;
}

function clampInt(value, min, max, fallback) {
  const n = Number(value);
  if (!Number.isFinite(n)) return fallback;
  return Math.max(min, Math.min(max, Math.floor(n)));
}

// flood({count, size, binary}): "flood" (i, payload) count times as fast as the transport takes
// them, then "flood-done" (count). It writes in bursts and waits for the engine to drain when its
// write buffer is long, so that a large flood does not pile up in memory.
function flood(socket, spec) {
  const count = clampInt(spec.count, 0, MAX_FLOOD_COUNT, 0);
  const size = clampInt(spec.size, 0, MAX_FLOOD_SIZE, 0);
  const payload = spec.binary ? Buffer.alloc(size, 0x61) : "x".repeat(size);
  const conn = socket.conn;
  const highWater = 1024;
  const started = Date.now();
  let i = 0;
  const pump = () => {
    if (!socket.connected) {
      log(`flood on ${socket.id} stopped at ${i}/${count}: disconnected`);
      return;
    }
    let burst = 0;
    while (i < count && burst < 4096 && conn.writeBuffer.length < highWater) {
      socket.emit("flood", i, payload);
      i++;
      burst++;
    }
    if (i >= count) {
      socket.emit("flood-done", count);
      log(`flood on ${socket.id}: ${count} x ${size} ${spec.binary ? "bytes" : "chars"} in ${Date.now() - started} ms`);
      return;
    }
    if (conn.writeBuffer.length >= highWater) waitForDrain(conn, pump);
    else setImmediate(pump);
  };
  pump();
}

function waitForDrain(conn, fn) {
  let done = false;
  const go = () => {
    if (done) return;
    done = true;
    conn.removeListener("drain", go);
    conn.removeListener("close", go);
    clearTimeout(timer);
    setImmediate(fn);
  };
  conn.on("drain", go);
  conn.on("close", go);
  const timer = setTimeout(go, 200); // in case the engine emitted no "drain"
}

// --- lifecycle ---------------------------------------------------------------------------------

httpServer.on("error", (e) => fail(`cannot listen: ${e.message}`));
httpServer.listen(clampInt(config.port, 0, 65535, 0), "127.0.0.1", () => {
  const port = httpServer.address().port;
  log(
    `socket.io ${v5 ? require("socket.io/package.json").version : require("socket.io-v2/package.json").version}` +
      ` on 127.0.0.1:${port}, config ${JSON.stringify(config)}`
  );
  process.stdout.write(`listening ${port}\n`);
});
