// Codec benchmark, Node side: socket.io-parser (the version socket.io 4.8.4 uses) on the four
// shapes of shapes.js.
//
//   node codec.js [--cpu-ms N]      prints one JSON object: per shape, encode and decode rates
//   node codec.js --dump <file>     writes the shapes' wire forms for the C++ side
//
// Rates are packets per second of process CPU time (process.cpuUsage(): user + system, every
// thread, GC included), measured after a warm-up that lets V8 optimise the loop.
"use strict";
const fs = require("fs");
const peers = require("./peers");
const { Encoder, Decoder, PacketType } = peers.require("socket.io-parser");
const { shapes } = require("./shapes");

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function cpuUs() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

const encoder = new Encoder();
const packetOf = (data) => ({ type: PacketType.EVENT, nsp: "/", data });

if (process.argv.includes("--dump")) {
  const out = shapes().map((s) => {
    const parts = encoder.encode(packetOf(s.data));
    return {
      name: s.name,
      text: parts[0],
      attachments: parts.slice(1).map((b) => Buffer.from(b).toString("base64")),
    };
  });
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
  const packet = packetOf(s.data);
  const wire = encoder.encode(packet);
  const wireBytes = wire.reduce((n, part) => n + (typeof part === "string" ? Buffer.byteLength(part) : part.length), 0);
  const batch = Math.max(1, Math.floor(200000 / wireBytes));

  const encode = (n) => {
    for (let i = 0; i < n; i++) sink += encoder.encode(packetOf(s.data)).length;
  };
  const decoder = new Decoder();
  let decoded = 0;
  decoder.on("decoded", () => decoded++);
  const decode = (n) => {
    for (let i = 0; i < n; i++) for (const part of wire) decoder.add(part);
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
process.stdout.write(JSON.stringify({ impl: "socket.io-parser", sink: sink % 7, results }) + "\n");
