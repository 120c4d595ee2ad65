// Ingest benchmark, Node side: socket.io-client 4.8.4 (WebSocket only) asks the reference server
// for a flood and keeps every event in memory, the way an inspector would (onAny → array).
//
//   node [--expose-gc] ingest.js <url> --count N --size S [--binary] [--parser msgpack] [--timeout-s T]
//
// --parser msgpack: the client speaks socket.io-msgpack-parser (notepack.io), for a server that
// does (tests/peers/server.js with {"parser": "msgpack"}).
//
// Prints one JSON object: how many "flood" events arrived, whether their indices ran 0..N-1 in
// order, the rate from the first "flood" event to "flood-done", and (with --expose-gc) the resident memory the stored events added. The CPU time of the
// whole process is measured outside (sioscope-bench-rusage).
"use strict";
const peers = require("./peers");
const { io } = peers.require("socket.io-client");

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const url = process.argv[2];
const count = Math.min(2_000_000, Math.max(0, Number(arg("--count", "1000"))));
const size = Math.min(64 << 20, Math.max(0, Number(arg("--size", "32"))));
const binary = process.argv.includes("--binary");
const timeoutS = Number(arg("--timeout-s", "300"));
const parserName = arg("--parser", "default");
if (parserName !== "default" && parserName !== "msgpack") {
  process.stderr.write(`ingest.js: unknown parser ${parserName}\n`);
  process.exit(2);
}

function settledRss() {
  if (global.gc) {
    global.gc();
    global.gc();
  }
  return process.memoryUsage().rss;
}

const events = [];
let rssBefore = 0;
let firstNs = 0n;
const options = { transports: ["websocket"], reconnection: false };
if (parserName === "msgpack") options.parser = peers.require("socket.io-msgpack-parser");
const socket = io(url, options);
const timer = setTimeout(() => {
  process.stderr.write(`ingest.js: timed out after ${timeoutS} s with ${events.length} events\n`);
  process.exit(1);
}, timeoutS * 1000);

socket.onAny((event, ...args) => {
  events.push([event, ...args]);
  if (event !== "flood-done") {
    if (firstNs === 0n && event === "flood") firstNs = process.hrtime.bigint();
    return;
  }
  const elapsedUs = Number(process.hrtime.bigint() - firstNs) / 1000;
  const rssAfter = settledRss();
  let received = 0;
  let inOrder = true;
  for (const e of events) {
    if (e[0] !== "flood") continue;
    if (e[1] !== received) inOrder = false;
    const payload = e[2];
    if (binary ? !(payload instanceof ArrayBuffer || Buffer.isBuffer(payload) || ArrayBuffer.isView(payload)) : typeof payload !== "string")
      inOrder = false;
    received++;
  }
  const out = { impl: "socket.io-client", parser: parserName, count, received, inOrder, stored: events.length,
    perSecond: elapsedUs > 0 ? (count * 1e6) / elapsedUs : null };
  if (global.gc) {
    out.rssBeforeBytes = rssBefore;
    out.rssAfterBytes = rssAfter;
    out.rssPerEvent = (rssAfter - rssBefore) / Math.max(1, received);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
  clearTimeout(timer);
  socket.disconnect();
  setImmediate(() => process.exit(received === count && inOrder ? 0 : 1));
});

socket.on("connect", () => {
  rssBefore = settledRss();
  socket.emit("flood", { count, size, binary });
});
socket.on("connect_error", (e) => {
  process.stderr.write(`ingest.js: cannot connect: ${e.message}\n`);
  process.exit(1);
});
socket.on("disconnect", (reason) => {
  if (reason !== "io client disconnect") {
    process.stderr.write(`ingest.js: disconnected: ${reason}\n`);
    process.exit(1);
  }
});
