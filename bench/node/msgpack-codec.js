// Codec benchmark, Node side, msgpack: socket.io-msgpack-parser (3.0.2, over notepack.io) on the
// four shapes of shapes.js, the same packets codec.js gives socket.io-parser (binary values are
// Buffers inline: this parser has no attachments).
//
//   node msgpack-codec.js [--cpu-ms N]      prints one JSON object: per shape, encode and decode
//   node msgpack-codec.js --dump <file>     writes the shapes' msgpack bytes for the C++ side
//
// Same method as codec.js: packets per second of process CPU time, after a thrown-away warm-up.
"use strict";
const fs = require("fs");
const peers = require("./peers");
const { Encoder, Decoder } = peers.require("socket.io-msgpack-parser");
const { shapes } = require("./shapes");

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function cpuUs() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

const EVENT = 2; // socket.io-parser's PacketType.EVENT; the msgpack parser keeps the numbers
const encoder = new Encoder();
const packetOf = (data) => ({ type: EVENT, nsp: "/", data });
// Encoder.encode returns [bytes]: one binary Engine.IO message per packet.
const wireOf = (data) => {
  const parts = encoder.encode(packetOf(data));
  if (parts.length !== 1) throw new Error(`expected one message, got ${parts.length}`);
  return Buffer.from(parts[0]);
};

if (process.argv.includes("--dump")) {
  const out = shapes().map((s) => ({ name: s.name, msgpack: wireOf(s.data).toString("base64") }));
  fs.writeFileSync(arg("--dump"), JSON.stringify(out));
  process.exit(0);
}

const budgetUs = Number(arg("--cpu-ms", "400")) * 1000;
const MaxIterations = 50_000_000;

// Runs `body(batch)` in batches until the CPU budget is spent; returns packets per CPU second.
function measure(body, batch) {
  let done = 0;
  const start = cpuUs();
  let spent = 0;
  while (spent < budgetUs && done < MaxIterations) {
    body(batch);
    done += batch;
    spent = cpuUs() - start;
  }
  return { packets: done, cpuUs: spent, perSecond: (done * 1e6) / spent };
}

let sink = 0;
const results = {};
for (const s of shapes()) {
  const wire = wireOf(s.data);
  const wireBytes = wire.length;
  const batch = Math.max(1, Math.floor(200000 / wireBytes));

  const encode = (n) => {
    for (let i = 0; i < n; i++) sink += encoder.encode(packetOf(s.data))[0].length;
  };
  const decoder = new Decoder();
  let decoded = 0;
  decoder.on("decoded", () => decoded++);
  const decode = (n) => {
    for (let i = 0; i < n; i++) decoder.add(wire);
  };

  // Warm-up: one full measurement each, thrown away.
  measure(encode, batch);
  measure(decode, batch);
  const enc = measure(encode, batch);
  const before = decoded;
  const dec = measure(decode, batch);
  if (decoded - before !== dec.packets) throw new Error(`decoded ${decoded - before} of ${dec.packets}`);
  results[s.name] = { wireBytes, encode: enc, decode: dec };
}
process.stdout.write(JSON.stringify({ impl: "socket.io-msgpack-parser", sink: sink % 7, results }) + "\n");
