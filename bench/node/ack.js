// Ack round-trip benchmark, Node side: socket.io-client 4.8.4 (WebSocket only) against the
// reference server's "echo-ack" event. Same phases and output as sioscope-bench-ack:
//   node ack.js <url> [--count N] [--warmup N] [--timeout-s S]
"use strict";
const peers = require("./peers");
const { io } = peers.require("socket.io-client");

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const url = process.argv[2];
const count = Math.min(1_000_000, Math.max(1, arg("--count", 10000)));
const warmup = Math.min(1_000_000, Math.max(0, arg("--warmup", 500)));
const timeoutS = arg("--timeout-s", 120);

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const nowNs = () => process.hrtime.bigint();
function percentile(values, p) {
  const sorted = Float64Array.from(values).sort();
  const index = Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)));
  return sorted[index] / 1000;
}

const timer = setTimeout(() => {
  process.stderr.write(`ack.js: timed out after ${timeoutS} s\n`);
  process.exit(1);
}, timeoutS * 1000);

const socket = io(url, { transports: ["websocket"], reconnection: false });
socket.on("connect_error", (e) => {
  process.stderr.write(`ack.js: cannot connect: ${e.message}\n`);
  process.exit(1);
});

function warm(i, done) {
  if (i >= warmup) return done();
  socket.emit("echo-ack", i, () => warm(i + 1, done));
}

function sequential(done) {
  const latencies = new Array(count);
  const cpuStart = cpuUs();
  const start = nowNs();
  let i = 0;
  const next = () => {
    const t0 = nowNs();
    socket.emit("echo-ack", i, () => {
      latencies[i] = Number(nowNs() - t0);
      if (++i < count) return next();
      done({
        seqP50Us: percentile(latencies, 0.5),
        seqP99Us: percentile(latencies, 0.99),
        seqTotalUs: Number(nowNs() - start) / 1000,
        seqCpuUs: cpuUs() - cpuStart,
      });
    });
  };
  next();
}

function pipelined(done) {
  const cpuStart = cpuUs();
  const start = nowNs();
  let received = 0;
  const onAck = () => {
    if (++received < count) return;
    done({ pipeTotalUs: Number(nowNs() - start) / 1000, pipeCpuUs: cpuUs() - cpuStart });
  };
  for (let i = 0; i < count; i++) socket.emit("echo-ack", i, onAck);
}

// The server's CPU time (µs) is asked before and after the pipelined phase, outside its timing.
const serverCpu = (done) => socket.emit("server-cpu", done);

socket.once("connect", () => {
  warm(0, () =>
    sequential((seq) =>
      serverCpu((serverBefore) =>
        pipelined((pipe) =>
          serverCpu((serverAfter) => {
            const pipeServerCpuUs = serverAfter - serverBefore;
            process.stdout.write(JSON.stringify({ impl: "socket.io-client", count, ...seq, ...pipe, pipeServerCpuUs }) + "\n");
            clearTimeout(timer);
            socket.disconnect();
            setImmediate(() => process.exit(0));
          })
        )
      )
    )
  );
});
