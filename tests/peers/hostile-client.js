#!/usr/bin/env node
// A deliberately broken CLIENT for the listening-side tests (tests/peer/tst_hostile_client_peer.cpp):
// plain TCP (Node's `net`), sending exactly the bytes the test scripts, then the REAL
// socket.io-client 4.8 as a well-behaved probe of the same server.
//
//   node hostile-client.js '<json config>'
//
// Config: {"port": <port>, "host": "127.0.0.1", "steps": [step, ...]}. Steps run in order; a
// step acts on the connection named by "on" (default "c"):
//   {"open": "<name>"}                       open a TCP connection (waits until connected)
//   {"send": "<text>"}                       these bytes (latin-1: "\u00ff" is byte 0xff);
//                                            "{{sid}}" is replaced by the captured sid
//   {"sendHex": "<hex>"}                     these bytes
//   {"fill": {"prefix","size","char","suffix"}}
//                                            prefix + size x char + suffix in one write
//   {"ws": {"opcode", "text" | "hex" | "size", "mask": true, "fin": true, "rsv": 0}}
//                                            one WebSocket frame (masked unless "mask": false;
//                                            final unless "fin": false; "rsv": its RSV bits;
//                                            "size": that many "a" bytes)
//   {"wait": ms}                             pause
//   {"read": true, "until": "close" | "response" | "wsClose", "timeoutMs": 3000}
//                                            reads what the server sends until it closes the
//                                            connection, until one whole HTTP response, or until
//                                            a WebSocket close frame; prints
//                                            {"step":"read","on","status","statusLine","body",
//                                             "closed","elapsedMs","bytes","frames":[...]}
//                                            where frames are the WebSocket frames after a 101
//                                            ({"opcode","text"} or, for a close, {"opcode":8,"code"})
//   {"capture": "sid"}                       takes "sid" from the last response body
//   {"close": true}                          ends this connection (FIN)
//   {"flood": N, "name": "<group>", "send": "<text>"}
//                                            opens N connections (each sends `send` if given) and
//                                            holds them; prints {"step":"flood","opened","failed",
//                                            "closedByServer"}
//   {"floodStatus": "<group>"}               prints how many of the group the server has closed
//   {"closeAll": "<group>"}                  ends them all (destroy)
//   {"probe": {"path": "/socket.io/", "timeoutMs": 3000}}
//                                            socket.io-client 4.8 (polling then websocket):
//                                            connect, emit "message-with-ack" and wait for the ack;
//                                            prints {"step":"probe","ok","elapsedMs","error"}
// Every step prints one JSON line on stdout; then {"done":true}. Limits: size <= 64 MiB,
// N <= 5000, every wait <= 60 s. Exits on SIGTERM/SIGINT and when its parent process goes away.
"use strict";

const net = require("net");

const { log, fail, config } = require("./peer-process").peerProcess("hostile-client");

const MAX_SIZE = 64 * 1024 * 1024;
const MAX_FLOOD = 5000;
const MAX_MS = 60000;

const host = config.host || "127.0.0.1";
const port = Number(config.port);
if (!Number.isInteger(port) || port <= 0 || port > 65535) fail("port must be 1..65535");
if (!Array.isArray(config.steps)) fail("steps must be a list");

const bounded = (value, max, what) => {
  const n = Number(value ?? 0);
  if (!Number.isFinite(n) || n < 0 || n > max) fail(`${what} must be 0..${max}`);
  return Math.floor(n);
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const print = (object) => process.stdout.write(JSON.stringify(object) + "\n");

// One connection: everything received, and whether the server closed it.
function connect() {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const conn = { socket, data: Buffer.alloc(0), closed: false, error: null, waiters: [] };
    const wake = () => conn.waiters.splice(0).forEach((w) => w());
    socket.on("data", (chunk) => {
      conn.data = Buffer.concat([conn.data, chunk]);
      wake();
    });
    socket.on("error", (e) => {
      conn.error = e.code || e.message;
      wake();
    });
    socket.on("close", () => {
      conn.closed = true;
      wake();
    });
    socket.on("connect", () => resolve(conn));
    socket.on("error", () => resolve(conn));
  });
}

// The HTTP response at the start of `data`: {status, statusLine, headEnd, body, complete}.
function parseResponse(data) {
  const headEnd = data.indexOf("\r\n\r\n");
  if (headEnd < 0) return null;
  const head = data.subarray(0, headEnd).toString("latin1");
  const lines = head.split("\r\n");
  const match = /^HTTP\/1\.\d (\d{3})/.exec(lines[0]);
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = match ? Number(match[1]) : 0;
  const length = headers["content-length"] !== undefined ? Number(headers["content-length"]) : -1;
  const bodyStart = headEnd + 4;
  const complete = status === 101 || status === 204 || (length >= 0 && data.length >= bodyStart + length);
  const body = data.subarray(bodyStart, length >= 0 ? bodyStart + length : data.length);
  return { status, statusLine: lines[0], headers, bodyStart, body, complete };
}

// WebSocket frames (server to client: unmasked) in `data`.
function parseFrames(data) {
  const frames = [];
  let pos = 0;
  while (pos + 2 <= data.length) {
    const opcode = data[pos] & 0x0f;
    let length = data[pos + 1] & 0x7f;
    let at = pos + 2;
    if (length === 126) {
      if (at + 2 > data.length) break;
      length = data.readUInt16BE(at);
      at += 2;
    } else if (length === 127) {
      if (at + 8 > data.length) break;
      length = Number(data.readBigUInt64BE(at));
      at += 8;
    }
    if (at + length > data.length) break;
    const payload = data.subarray(at, at + length);
    if (opcode === 8)
      frames.push({
        opcode,
        code: payload.length >= 2 ? payload.readUInt16BE(0) : null,
        reason: payload.subarray(2).toString("utf8"),
      });
    else frames.push({ opcode, text: payload.subarray(0, 200).toString("latin1"), length });
    pos = at + length;
  }
  return frames;
}

function wsFrame(spec) {
  const opcode = spec.opcode ?? 1;
  let payload;
  if (spec.text !== undefined) payload = Buffer.from(String(spec.text), "utf8");
  else if (spec.hex !== undefined) payload = Buffer.from(String(spec.hex), "hex");
  else payload = Buffer.alloc(bounded(spec.size, MAX_SIZE, "ws size"), "a");
  const mask = spec.mask !== false;
  const length = payload.length;
  // FIN unless "fin": false; "rsv": the three RSV bits as a number (4: RSV1).
  const head = [(spec.fin === false ? 0 : 0x80) | ((bounded(spec.rsv ?? 0, 7, "ws rsv") & 7) << 4) | (opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), extended, payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; ++i) masked[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), extended, key, masked]);
}

// Waits until `done()` holds, the connection closes, or the time is up.
function waitFor(conn, done, timeoutMs) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const check = () => {
      if (done() || conn.closed) {
        clearTimeout(timer);
        resolve(done());
        return;
      }
      conn.waiters.push(check);
    };
    check();
  });
}

async function probe(spec) {
  const io = require("socket.io-client");
  const started = Date.now();
  const timeoutMs = bounded(spec.timeoutMs ?? 3000, MAX_MS, "probe timeoutMs");
  const socket = io(`http://${host}:${port}`, {
    path: spec.path || "/socket.io/",
    transports: spec.transports || ["polling", "websocket"],
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  try {
    const answer = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out")), timeoutMs);
      socket.on("connect_error", (e) => {
        clearTimeout(timer);
        reject(new Error(`connect_error: ${e.message}`));
      });
      socket.on("connect", () => {
        socket.emit("message-with-ack", "probe", (...args) => {
          clearTimeout(timer);
          resolve(args);
        });
      });
    });
    return { step: "probe", ok: answer[0] === "probe", elapsedMs: Date.now() - started };
  } catch (e) {
    return { step: "probe", ok: false, elapsedMs: Date.now() - started, error: e.message };
  } finally {
    socket.close();
  }
}

async function main() {
  const conns = {};
  const groups = {};
  const vars = {};
  let lastBody = "";
  const expand = (text) => String(text).replace(/\{\{(\w+)\}\}/g, (_, name) => vars[name] ?? "");
  for (const step of config.steps) {
    const name = step.on || "c";
    const conn = conns[name];
    const need = () => {
      if (!conn) fail(`no connection "${name}" (open it first)`);
      return conn;
    };
    if (step.open !== undefined) {
      conns[step.open] = await connect();
      print({ step: "open", on: step.open, error: conns[step.open].error });
    } else if (step.send !== undefined && step.flood === undefined) {
      need().socket.write(Buffer.from(expand(step.send), "latin1"));
      print({ step: "send", on: name });
    } else if (step.sendHex !== undefined) {
      need().socket.write(Buffer.from(step.sendHex, "hex"));
      print({ step: "send", on: name });
    } else if (step.fill !== undefined) {
      const f = step.fill;
      const size = bounded(f.size, MAX_SIZE, "fill size");
      need().socket.write(
        Buffer.concat([
          Buffer.from(expand(f.prefix || ""), "latin1"),
          Buffer.alloc(size, String(f.char || "a"), "latin1"),
          Buffer.from(expand(f.suffix || ""), "latin1"),
        ])
      );
      print({ step: "fill", on: name, size });
    } else if (step.ws !== undefined) {
      need().socket.write(wsFrame(step.ws));
      print({ step: "ws", on: name });
    } else if (step.wait !== undefined) {
      await sleep(bounded(step.wait, MAX_MS, "wait"));
    } else if (step.read !== undefined) {
      const c = need();
      const started = Date.now();
      const until = step.until || "close";
      const timeoutMs = bounded(step.timeoutMs ?? 3000, MAX_MS, "read timeoutMs");
      const view = () => c.data.subarray(c.consumed || 0);
      const done = () => {
        const response = parseResponse(view());
        if (until === "response") return response !== null && response.complete;
        if (until === "wsClose")
          return (
            response !== null &&
            response.status === 101 &&
            parseFrames(view().subarray(response.bodyStart)).some((f) => f.opcode === 8)
          );
        return false; // "close": until the server closes
      };
      await waitFor(c, done, timeoutMs);
      const data = view();
      const response = parseResponse(data);
      const out = {
        step: "read",
        on: name,
        closed: c.closed,
        error: c.error,
        elapsedMs: Date.now() - started,
        bytes: data.length,
        status: response ? response.status : 0,
        statusLine: response ? response.statusLine : data.subarray(0, 80).toString("latin1"),
        body: response ? response.body.subarray(0, 2000).toString("latin1") : "",
      };
      if (response && response.status === 101) out.frames = parseFrames(data.subarray(response.bodyStart));
      if (response) lastBody = out.body;
      // The next read on this connection starts after this response (keep-alive).
      if (response && response.complete && response.status !== 101)
        c.consumed = (c.consumed || 0) + response.bodyStart + response.body.length;
      print(out);
    } else if (step.capture !== undefined) {
      const match = /"sid":"([^"]+)"/.exec(lastBody);
      vars[step.capture] = match ? match[1] : "";
      print({ step: "capture", name: step.capture, value: vars[step.capture] });
    } else if (step.close !== undefined) {
      need().socket.end();
      print({ step: "close", on: name });
    } else if (step.flood !== undefined) {
      const n = bounded(step.flood, MAX_FLOOD, "flood");
      const group = [];
      for (let i = 0; i < n; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(50, n - i) }, () => connect())
        );
        group.push(...batch);
      }
      if (step.send !== undefined)
        for (const c of group) if (!c.error) c.socket.write(Buffer.from(String(step.send), "latin1"));
      groups[step.name || "flood"] = group;
      await sleep(100);
      print({
        step: "flood",
        name: step.name || "flood",
        opened: group.filter((c) => !c.error).length,
        failed: group.filter((c) => c.error).length,
        closedByServer: group.filter((c) => c.closed).length,
      });
    } else if (step.floodStatus !== undefined) {
      const group = groups[step.floodStatus] || [];
      print({
        step: "floodStatus",
        name: step.floodStatus,
        open: group.filter((c) => !c.closed).length,
        closedByServer: group.filter((c) => c.closed).length,
      });
    } else if (step.closeAll !== undefined) {
      const group = groups[step.closeAll] || [];
      group.forEach((c) => c.socket.destroy());
      print({ step: "closeAll", name: step.closeAll, count: group.length });
    } else if (step.probe !== undefined) {
      print(await probe(step.probe));
    } else {
      fail(`unknown step ${JSON.stringify(step)}`);
    }
  }
  for (const c of Object.values(conns)) c.socket.destroy();
  for (const group of Object.values(groups)) group.forEach((c) => c.socket.destroy());
  print({ done: true });
  process.exit(0);
}

main().catch((e) => fail(e.stack || e.message));
