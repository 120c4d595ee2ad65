#!/usr/bin/env node
// A deliberately broken Engine.IO / Socket.IO server for the hostile-peer tests
// (tests/peer/tst_hostile_peer.cpp): it speaks raw WebSocket (the pinned `ws`) and raw HTTP
// (Node's `http`) and sends exactly what the test scripts, valid or not.
//
//   node hostile.js '<json config>'
//
// Config:
//   ws     [[step, ...], ...]  what to do on each WebSocket connection, in order of arrival; the
//                              last list serves every later connection. Steps:
//            {"text": "..."}                     a text frame
//            {"textB64": "..."}                  a text frame with these bytes (may be bad UTF-8)
//            {"binary": "<base64>"}              a binary frame
//            {"fill": {"prefix","size","char","suffix","binary"}}
//                                                one frame: prefix + size x char + suffix; for bytes
//                                                that are no text, "prefixB64"/"suffixB64" (base64)
//                                                and "byte" (0..255) instead of "char"
//            {"deep": {"prefix","depth","suffix"}}
//                                                one text frame: prefix + depth x "[" + depth x "]" + suffix
//            {"flood": {"text","count","ms"}}    text frames as fast as the socket drains, "%i" in
//                                                the text replaced by the index; stops after count
//                                                frames or ms milliseconds, whichever comes first;
//                                                then writes `[hostile] flood sent <n>` on stderr
//            {"await": "<prefix>"}               wait until the client sent a text frame starting so
//            {"wait": ms}                        pause
//            {"ping": ms}                        from now on send "2" every ms (v4 heartbeat)
//            {"close": code, "reason": "..."}    WebSocket close handshake
//            {"destroy": true}                   drop the TCP connection, no close frame
//          After the last step the connection stays open (answering nothing) until the client
//          leaves. Limits: size <= 256 MiB, depth <= 10,000,000, count <= 10,000,000, ms <= 60,000.
//   http   {"get": [response, ...], "post": response}
//          Polling requests to any path: the n-th GET gets get[n] (the last one repeats), every
//          POST gets `post` (default 200 "ok"). A response:
//            {"status": 200, "body": "...", "contentType": "...", "headers": {...},
//             "fill": {"prefix","size","char"}, "hang": true}
//          "hang" never answers (the request stays open until the client gives up).
//
// Every request and frame received is logged on stderr as `[hostile] ...`. Prints exactly
// `listening <port>` on stdout once it accepts connections (127.0.0.1, a free port). Exits on
// SIGTERM/SIGINT and when its parent process goes away.
"use strict";

const http = require("http");
const { WebSocketServer } = require("ws");

const MAX_SIZE = 256 * 1024 * 1024;
const MAX_DEPTH = 10000000;
const MAX_COUNT = 10000000;
const MAX_MS = 60000;

const { log, fail, config } = require("./peer-process").peerProcess("hostile");

const bounded = (value, max, what) => {
  const n = Number(value ?? 0);
  if (!Number.isFinite(n) || n < 0 || n > max) fail(`${what} must be 0..${max}`);
  return Math.floor(n);
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- WebSocket ------------------------------------------------------------------------------

const wsScripts = Array.isArray(config.ws) ? config.ws : [];
let wsConnections = 0;

function fillBuffer(spec) {
  const size = bounded(spec.size, MAX_SIZE, "fill.size");
  const prefix = spec.prefixB64 !== undefined ? Buffer.from(String(spec.prefixB64), "base64") : Buffer.from(spec.prefix ?? "");
  const suffix = spec.suffixB64 !== undefined ? Buffer.from(String(spec.suffixB64), "base64") : Buffer.from(spec.suffix ?? "");
  const fill = spec.byte !== undefined ? bounded(spec.byte, 255, "fill.byte") : String(spec.char ?? "x");
  const buffer = Buffer.alloc(prefix.length + size + suffix.length, fill);
  prefix.copy(buffer, 0);
  suffix.copy(buffer, prefix.length + size);
  return buffer;
}

function send(socket, data, binary) {
  return new Promise((resolve) => {
    if (socket.readyState !== socket.OPEN) return resolve(false);
    socket.send(data, { binary }, (error) => resolve(!error));
  });
}

async function flood(socket, spec) {
  const count = bounded(spec.count, MAX_COUNT, "flood.count");
  const ms = bounded(spec.ms, MAX_MS, "flood.ms");
  const text = String(spec.text ?? "42[\"f\",%i]");
  const deadline = Date.now() + ms;
  let sent = 0;
  while (sent < count && Date.now() < deadline && socket.readyState === socket.OPEN) {
    // Send in batches and let the socket drain, so that memory stays bounded on this side too.
    for (let i = 0; i < 1000 && sent < count; ++i, ++sent)
      socket.send(text.replace("%i", String(sent)), { binary: false });
    while (socket.bufferedAmount > 4 * 1024 * 1024 && Date.now() < deadline) await sleep(1);
    await new Promise((resolve) => setImmediate(resolve));
  }
  log(`flood sent ${sent}`);
}

async function runScript(socket, steps, received) {
  let pinger = null;
  socket.on("close", () => pinger && clearInterval(pinger));
  for (const step of steps) {
    if (socket.readyState !== socket.OPEN) break;
    if (step.text !== undefined) await send(socket, String(step.text), false);
    else if (step.textB64 !== undefined) await send(socket, Buffer.from(step.textB64, "base64"), false);
    else if (step.binary !== undefined) await send(socket, Buffer.from(step.binary, "base64"), true);
    else if (step.fill !== undefined) await send(socket, fillBuffer(step.fill), !!step.fill.binary);
    else if (step.deep !== undefined) {
      const depth = bounded(step.deep.depth, MAX_DEPTH, "deep.depth");
      await send(socket, (step.deep.prefix ?? "") + "[".repeat(depth) + "]".repeat(depth) + (step.deep.suffix ?? ""), false);
    } else if (step.flood !== undefined) await flood(socket, step.flood);
    else if (step.await !== undefined) {
      const prefix = String(step.await);
      while (!received.some((m) => m.startsWith(prefix)) && socket.readyState === socket.OPEN) await sleep(5);
    } else if (step.wait !== undefined) await sleep(bounded(step.wait, MAX_MS, "wait"));
    else if (step.ping !== undefined) {
      const every = bounded(step.ping, MAX_MS, "ping");
      pinger = setInterval(() => socket.readyState === socket.OPEN && socket.send("2"), every);
    } else if (step.close !== undefined) socket.close(step.close, step.reason ?? "");
    else if (step.destroy) socket.terminate();
    else log(`unknown step ${JSON.stringify(step)}`);
  }
}

const wss = new WebSocketServer({ noServer: true, maxPayload: 100 * 1024 * 1024 });
wss.on("connection", (socket, request) => {
  const index = wsConnections++;
  const steps = wsScripts.length ? wsScripts[Math.min(index, wsScripts.length - 1)] : [];
  log(`ws connection ${index} ${request.url}`);
  const received = [];
  socket.on("message", (data, isBinary) => {
    const text = isBinary ? `<binary ${data.length} bytes>` : data.toString();
    if (received.length < 10000) received.push(text);
    log(`ws received ${text.slice(0, 200)}`);
  });
  socket.on("error", (error) => log(`ws error ${error.message}`));
  runScript(socket, steps, received).catch((error) => log(`script error ${error.message}`));
});

// ---- HTTP long-polling ----------------------------------------------------------------------

const httpConfig = config.http ?? {};
const gets = Array.isArray(httpConfig.get) ? httpConfig.get : [];
let getCount = 0;

function respond(response, spec) {
  spec = spec ?? { status: 200, body: "ok" };
  if (spec.hang) return; // never answered
  const headers = Object.assign({ "Content-Type": spec.contentType ?? "text/plain; charset=UTF-8" }, spec.headers ?? {});
  const body = spec.fill !== undefined ? fillBuffer(spec.fill) : Buffer.from(spec.body ?? "");
  headers["Content-Length"] = String(body.length);
  response.writeHead(spec.status ?? 200, headers);
  response.end(body);
}

const server = http.createServer((request, response) => {
  log(`http ${request.method} ${request.url}`);
  request.on("data", (chunk) => log(`http body ${chunk.toString().slice(0, 200)}`));
  request.on("end", () => {
    if (request.method === "GET") {
      const index = getCount++;
      respond(response, gets.length ? gets[Math.min(index, gets.length - 1)] : { status: 404, body: "" });
    } else {
      respond(response, httpConfig.post);
    }
  });
});
server.on("upgrade", (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit("connection", ws, request));
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
