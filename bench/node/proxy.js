// The proxy group of bench/run: one Node client (socket.io-client 4.8, WebSocket only) talks to the
// reference server (tests/peers/server.js, socket.io 4.8) over three paths in the same run:
//   direct   client → server
//   haproxy  client → HAProxy (mode http; after the upgrade a tunnel that decodes nothing) → server
//   sio      client → `sioscope-cli proxy -o <file>` (decodes and records every packet) → server
// and, for each path, one client process per phase (counts: benchProxy, smaller with --quick):
//   seq      5,000 echo-acks one after the other: round trip p50, p99
//   paced    echo-acks sent at 10,000 per second for 2 s (in 1 ms timer ticks, each sending what
//            is due, ~10): latency from each emit to its ack, p50, p90, p99
//   flood    the server's `flood` event, 100,000 × a 32-character string: events per second
//            received from the first `flood` to `flood-done`
// Each path's latencies of every run are pooled (runs × count samples) before the percentiles are
// taken; added latency is the path's percentile minus direct's. The order of the paths rotates
// from run to run; every run starts a fresh HAProxy and recorder in front of the one server. The
// middlebox's CPU time (every thread: the sum of /proc/<pid>/task/*/schedstat, ns) is read when
// the client says it is ready (connected and warmed up) and when it has its result, so that it
// covers the phase alone. After each run the recorder is stopped with SIGTERM and its log is
// checked: every flood event and every ack of the run through it must be in it.
//
// This file is also the client: node proxy.js client <url> <seq|paced|flood> '<json options>'.
// It prints {"ready":true} once connected and warmed up, waits for "go" on stdin, runs the phase,
// prints {"result":{...}}, and exits 0 when stdin ends.
"use strict";

const fs = require("fs");
const net = require("net");
const path = require("path");
const readline = require("readline");
const { spawn } = require("child_process");
const peers = require("./peers");
const { startProcess } = require("./startprocess");

const Paths = ["direct", "haproxy", "sio"];
const FloodSize = 32;
const nowNs = () => process.hrtime.bigint();

function percentile(values, p) {
  const sorted = Float64Array.from(values).sort();
  const index = Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)));
  return sorted[index];
}

function median(values) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// --- the client --------------------------------------------------------------------------------

function clientMain() {
  const [url, phase, optionsJson] = process.argv.slice(3);
  const o = JSON.parse(optionsJson || "{}");
  const { io } = peers.require("socket.io-client");
  const fail = (message) => {
    process.stderr.write(`proxy.js client (${phase}): ${message}\n`);
    process.exit(1);
  };
  setTimeout(() => fail(`timed out after ${o.timeoutS} s`), o.timeoutS * 1000).unref();
  const print = (object) => process.stdout.write(JSON.stringify(object) + "\n");
  const cpuUs = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };

  const socket = io(url, { transports: ["websocket"], reconnection: false });
  socket.on("connect_error", (e) => fail(`cannot connect: ${e.message}`));
  socket.on("disconnect", (reason) => {
    if (reason !== "io client disconnect") fail(`disconnected: ${reason}`);
  });

  let go = null;
  let goSaid = false;
  let finished = false;
  const input = readline.createInterface({ input: process.stdin });
  input.on("line", (line) => {
    if (line.trim() !== "go") return;
    goSaid = true;
    if (go) go();
  });
  input.on("close", () => {
    if (!finished) fail("stdin closed before the result");
    socket.disconnect();
    setImmediate(() => process.exit(0));
  });

  // The latencies themselves go to o.latFile (Float64Array, µs), for the driver to pool the runs.
  const keep = (latencies) => {
    if (o.latFile) fs.writeFileSync(o.latFile, Buffer.from(latencies.buffer, latencies.byteOffset, latencies.byteLength));
  };
  const warm = (n, done) => {
    let i = 0;
    const next = () => (i++ < n ? socket.emit("echo-ack", i, next) : done());
    next();
  };

  const phases = {
    seq(done) {
      const latencies = new Float64Array(o.count);
      let i = 0;
      const next = () => {
        const t0 = nowNs();
        socket.emit("echo-ack", i, () => {
          latencies[i] = Number(nowNs() - t0) / 1000;
          if (++i < o.count) return next();
          keep(latencies);
          done({ count: o.count, p50Us: percentile(latencies, 0.5), p99Us: percentile(latencies, 0.99), maxUs: percentile(latencies, 1) });
        });
      };
      next();
    },
    // Sends are due at start + i / rate; each 1 ms timer tick sends every one that is due (about
    // rate / 1000 at once). The latency is from each emit to its ack; the lateness of the emits
    // against their schedule (timer ticks, a busy event loop) is reported beside it.
    paced(done) {
      const total = Math.round((o.rate * o.durationMs) / 1000);
      const latencies = new Float64Array(total);
      const lateness = new Float64Array(total);
      const start = nowNs();
      let sent = 0;
      let acked = 0;
      let lastSendNs = start;
      const finish = () => {
        keep(latencies);
        done({
          count: total,
          acked,
          rate: o.rate,
          sentPerS: (total * 1e9) / Number(lastSendNs - start),
          p50Us: percentile(latencies, 0.5),
          p99Us: percentile(latencies, 0.99),
          maxUs: percentile(latencies, 1),
          latenessP99Us: percentile(lateness, 0.99),
        });
      };
      const giveUp = setTimeout(() => fail(`${acked} of ${total} paced acks after ${o.durationMs / 1000 + 10} s`), o.durationMs + 10000);
      const tick = () => {
        const t = nowNs();
        const due = Math.min(total, Math.floor((Number(t - start) * o.rate) / 1e9) + 1);
        while (sent < due) {
          const i = sent++;
          const t0 = nowNs();
          lateness[i] = Number(t0 - start) / 1000 - (i * 1e6) / o.rate;
          lastSendNs = t0;
          socket.emit("echo-ack", i, () => {
            latencies[i] = Number(nowNs() - t0) / 1000;
            if (++acked === total) {
              clearTimeout(giveUp);
              finish();
            }
          });
        }
        if (sent < total) setTimeout(tick, 1);
      };
      tick();
    },
    flood(done) {
      let received = 0;
      let inOrder = true;
      let firstNs = 0n;
      socket.onAny((event, index, payload) => {
        if (event === "flood") {
          if (index !== received || typeof payload !== "string") inOrder = false;
          if (received++ === 0) firstNs = nowNs();
        } else if (event === "flood-done") {
          const elapsedUs = Number(nowNs() - firstNs) / 1000;
          done({ count: o.count, received, inOrder, perSecond: elapsedUs > 0 ? (o.count * 1e6) / elapsedUs : NaN });
        }
      });
      socket.emit("flood", { count: o.count, size: o.size });
    },
  };
  if (!phases[phase]) fail(`unknown phase ${phase}`);

  socket.once("connect", () =>
    warm(o.warmup || 0, () => {
      go = () => {
        go = null;
        const cpu0 = cpuUs();
        phases[phase]((result) => {
          finished = true;
          print({ result: { ...result, clientCpuUs: cpuUs() - cpu0 } });
        });
      };
      print({ ready: true });
      if (goSaid) go();
    })
  );
}

// --- the driver's side -------------------------------------------------------------------------

// CPU time of every thread of `pid` so far, µs: /proc/<pid>/task/*/schedstat (ns; the clock
// ticks of /proc/<pid>/stat are 10 ms), /proc/<pid>/stat when schedstat is missing.
function processCpuUs(pid) {
  try {
    let ns = 0;
    for (const task of fs.readdirSync(`/proc/${pid}/task`))
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    return ns / 1000;
  } catch (e) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, "127.0.0.1");
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}

function findHaproxy() {
  for (const dir of [...(process.env.PATH || "").split(":"), "/usr/sbin", "/usr/local/sbin"]) {
    const f = path.join(dir, "haproxy");
    if (dir && fs.existsSync(f)) return f;
  }
  return null;
}

// HAProxy in front of the server as tests/common/haproxy.cpp runs it: mode http, `timeout tunnel`
// for the WebSocket, one backend server. Foreground (-db); it prints nothing when it is ready, so
// its port is polled.
async function startHaproxy(haproxyBin, dir, serverPort) {
  const port = await freePort();
  const config = path.join(dir, "haproxy.cfg");
  fs.writeFileSync(
    config,
    [
      "global",
      "    maxconn 256",
      "defaults",
      "    mode http",
      "    timeout connect 5s",
      "    timeout client 60s",
      "    timeout server 60s",
      "    timeout tunnel 1h",
      "frontend sioscope_bench",
      `    bind 127.0.0.1:${port}`,
      "    default_backend socketio",
      "backend socketio",
      `    server s1 127.0.0.1:${serverPort}`,
      "",
    ].join("\n")
  );
  const logFile = path.join(dir, "haproxy.log");
  const child = spawn(haproxyBin, ["-f", config, "-db"], { stdio: ["ignore", fs.openSync(logFile, "w"), fs.openSync(logFile, "a")] });
  let exited = null;
  child.on("exit", (code) => (exited = code));
  child.on("error", (e) => (exited = e.message));
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`haproxy exited (${exited}): ${fs.readFileSync(logFile, "utf8").slice(-1000)}`);
    if (await canConnect(port)) return { child, port };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error("haproxy did not listen in 10 s");
}

// Stops a process we started: SIGTERM, SIGKILL after `graceMs`. Resolves its exit code.
function stop(child, graceMs = 10000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(code === null ? signal : code);
    });
    child.kill("SIGTERM");
  });
}

// One client process for one phase over one path; the middlebox's CPU time is read at the
// client's "ready" and at its result. Resolves {...result, middleCpuUs}.
function runClient(url, phase, options, middlePid, errFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, "client", url, phase, JSON.stringify(options)], {
      stdio: ["pipe", "pipe", fs.openSync(errFile, "a")],
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the ${phase} client did not finish in ${options.timeoutS + 10} s`));
    }, (options.timeoutS + 10) * 1000);
    let cpu0 = NaN;
    let result = null;
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch (e) {
        return;
      }
      if (message.ready) {
        cpu0 = middlePid ? processCpuUs(middlePid) : NaN;
        child.stdin.write("go\n");
      } else if (message.result) {
        result = { ...message.result, middleCpuUs: middlePid ? processCpuUs(middlePid) - cpu0 : NaN };
        child.stdin.end();
      }
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`the ${phase} client: ${e.message}`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0 && result && options.latFile) {
        const bytes = fs.readFileSync(options.latFile);
        fs.unlinkSync(options.latFile);
        result.latencies = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      }
      if (code === 0 && result) resolve(result);
      else reject(new Error(`the ${phase} client through ${url} exited (${code}): ${fs.readFileSync(errFile, "utf8").slice(-1500)}`));
    });
  });
}

// Counts what the recorder's JSON Lines log holds.
async function checkLog(file) {
  const out = { bytes: fs.statSync(file).size, records: 0, floodIn: 0, floodInOrder: true, acksIn: 0, echoAcksOut: 0, errors: 0 };
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    out.records++;
    if (line.includes('"type":"ACK"')) {
      if (JSON.parse(line).dir === "in") out.acksIn++;
    } else if (line.includes('"flood"')) {
      const r = JSON.parse(line);
      if (r.dir === "in" && r.layer === "sio" && Array.isArray(r.data) && r.data[0] === "flood") {
        if (r.data[1] !== out.floodIn) out.floodInOrder = false;
        out.floodIn++;
      }
    } else if (line.includes('"echo-ack"')) {
      const r = JSON.parse(line);
      if (r.dir === "out" && r.layer === "sio" && Array.isArray(r.data) && r.data[0] === "echo-ack") out.echoAcksOut++;
    } else if (line.includes('"error"')) {
      const r = JSON.parse(line);
      if (r.layer === "error" || /error/i.test(r.type || "")) out.errors++;
    }
  }
  return out;
}

// Returns {counts, runs, paths: {direct, haproxy, sio}, log, samples} or {error}.
async function benchProxy({ tmp, cliBin, log, quick, runs }) {
  const counts = {
    seq: quick ? 1000 : 5000,
    seqWarmup: quick ? 200 : 500,
    pacedRate: 10000,
    pacedMs: quick ? 1000 : 2000,
    pacedWarmup: 500,
    flood: quick ? 20000 : 100000,
    floodWarmup: 100,
  };
  const phaseOptions = {
    seq: { count: counts.seq, warmup: counts.seqWarmup, timeoutS: 60 },
    paced: { rate: counts.pacedRate, durationMs: counts.pacedMs, warmup: counts.pacedWarmup, timeoutS: counts.pacedMs / 1000 + 40 },
    flood: { count: counts.flood, size: FloodSize, warmup: counts.floodWarmup, timeoutS: 120 },
  };
  const dir = path.join(tmp, "proxy");
  fs.mkdirSync(dir, { recursive: true });
  const errFile = path.join(dir, "clients.log");
  const haproxyBin = findHaproxy();
  if (!haproxyBin) return { counts, runs, error: "haproxy is not installed (apt-get install haproxy)" };

  let server = null;
  let haproxy = null;
  let recorder = null;
  const samples = [];
  const pooled = Object.fromEntries(Paths.map((who) => [who, { seq: [], paced: [] }]));
  try {
    server = await startProcess(
      process.execPath,
      [path.join(peers.peersDir, "server.js"), JSON.stringify({ flavor: "4", port: 0 })],
      "stdout", /^listening (\d+)$/, path.join(dir, "server.log"));
    const target = `http://127.0.0.1:${server.port}`;
    for (let r = 0; r < runs; r++) {
      haproxy = await startHaproxy(haproxyBin, dir, server.port);
      const logFile = path.join(dir, `proxy-${r}.jsonl`);
      recorder = await startProcess(cliBin, ["proxy", "--listen", "127.0.0.1:0", "--target", target, "-o", logFile, "-q"],
        "stderr", /listening on http:\/\/127\.0\.0\.1:(\d+)/, path.join(dir, `sioscope-proxy-${r}.log`));
      const via = {
        direct: { url: target, pid: 0 },
        haproxy: { url: `http://127.0.0.1:${haproxy.port}`, pid: haproxy.child.pid },
        sio: { url: `http://127.0.0.1:${recorder.port}`, pid: recorder.child.pid },
      };
      const order = Paths.map((_, i) => Paths[(i + r) % Paths.length]);
      log(`proxy run ${r + 1}/${runs}: ${order.join(", ")}; haproxy :${haproxy.port}, sioscope-cli proxy :${recorder.port}, server :${server.port}`);
      const sample = { direct: {}, haproxy: {}, sio: {} };
      for (const phase of ["seq", "paced", "flood"]) {
        for (const who of order) {
          const options = phase === "flood" ? phaseOptions[phase] : { ...phaseOptions[phase], latFile: path.join(dir, `latencies-${who}-${phase}.bin`) };
          const res = await runClient(via[who].url, phase, options, via[who].pid, errFile);
          if (res.latencies) {
            pooled[who][phase].push(res.latencies);
            delete res.latencies;
          }
          if (phase === "paced" && res.acked !== res.count) throw new Error(`${who}: ${res.acked} of ${res.count} paced acks`);
          if (phase === "flood" && (res.received !== res.count || !res.inOrder)) throw new Error(`${who}: flood ${res.received} of ${res.count}, in order: ${res.inOrder}`);
          sample[who][phase] = res;
        }
        const line = order.map((who) => {
          const s = sample[who][phase];
          return phase === "flood" ? `${who} ${(s.perSecond / 1000).toFixed(1)} k/s` : `${who} p50 ${s.p50Us.toFixed(0)} p99 ${s.p99Us.toFixed(0)} µs`;
        });
        log(`  ${phase}: ${line.join("; ")}`);
      }
      const rc = await stop(recorder.child);
      recorder = null;
      await stop(haproxy.child);
      haproxy = null;
      if (rc !== 0) throw new Error(`sioscope-cli proxy exited ${rc} after SIGTERM`);
      const check = await checkLog(logFile);
      check.expectedFlood = counts.flood;
      check.expectedAcks = counts.seq + counts.seqWarmup + Math.round((counts.pacedRate * counts.pacedMs) / 1000) + counts.pacedWarmup + counts.floodWarmup;
      check.complete = check.floodIn === check.expectedFlood && check.floodInOrder && check.acksIn === check.expectedAcks && check.echoAcksOut === check.expectedAcks;
      log(`  sioscope log: ${check.records} records, ${(check.bytes / 1e6).toFixed(1)} MB; flood ${check.floodIn}/${check.expectedFlood}, acks ${check.acksIn}/${check.expectedAcks}, errors ${check.errors}`);
      fs.unlinkSync(logFile);
      if (check.records === 0) throw new Error("sioscope-cli proxy recorded nothing");
      sample.log = check;
      samples.push(sample);
    }
  } catch (e) {
    log(`proxy: ${e.message || e}`);
    return { counts, runs, error: String(e.message || e), samples };
  } finally {
    if (recorder) await stop(recorder.child);
    if (haproxy) await stop(haproxy.child);
    if (server) await stop(server.child);
  }

  // Latency percentiles are those of every run's latencies pooled (runs × count per path, so that a
  // p99 stands on more than a few hiccups of one run); added = the path's − direct's. The per-run
  // figures (and the medians of their differences) are in the samples. The rest: medians over runs.
  const pool = (who, phase) => {
    const all = new Float64Array(pooled[who][phase].reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of pooled[who][phase]) {
      all.set(a, at);
      at += a.length;
    }
    return all.sort();
  };
  const at = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
  const quantiles = {};
  for (const who of Paths) {
    quantiles[who] = {};
    for (const phase of ["seq", "paced"]) {
      const sorted = pool(who, phase);
      quantiles[who][phase] = { n: sorted.length, p50: at(sorted, 0.5), p90: at(sorted, 0.9), p99: at(sorted, 0.99), p999: at(sorted, 0.999) };
    }
  }
  const paths = {};
  for (const who of Paths) {
    const m = (phase, key) => median(samples.map((s) => s[who][phase][key]));
    const added = (phase, key) => median(samples.map((s) => s[who][phase][key] - s.direct[phase][key]));
    const q = quantiles[who];
    paths[who] = {
      seqP50Us: q.seq.p50,
      seqP90Us: q.seq.p90,
      seqP99Us: q.seq.p99,
      pacedP50Us: q.paced.p50,
      pacedP90Us: q.paced.p90,
      pacedP99Us: q.paced.p99,
      pacedP999Us: q.paced.p999,
      runSeqP99Us: samples.map((s) => s[who].seq.p99Us),
      runPacedP99Us: samples.map((s) => s[who].paced.p99Us),
      pacedSentPerS: m("paced", "sentPerS"),
      pacedLatenessP99Us: m("paced", "latenessP99Us"),
      floodPerS: m("flood", "perSecond"),
      floodPctOfDirect: median(samples.map((s) => (100 * s[who].flood.perSecond) / s.direct.flood.perSecond)),
      floodClientCpuUsPerMsg: median(samples.map((s) => s[who].flood.clientCpuUs / s[who].flood.count)),
    };
    if (who !== "direct") {
      const d = quantiles.direct;
      Object.assign(paths[who], {
        addedSeqP50Us: q.seq.p50 - d.seq.p50,
        addedSeqP90Us: q.seq.p90 - d.seq.p90,
        addedSeqP99Us: q.seq.p99 - d.seq.p99,
        addedPacedP50Us: q.paced.p50 - d.paced.p50,
        addedPacedP90Us: q.paced.p90 - d.paced.p90,
        addedPacedP99Us: q.paced.p99 - d.paced.p99,
        // The same, as the median of each run's difference.
        runMedianAddedSeqP99Us: added("seq", "p99Us"),
        runMedianAddedPacedP99Us: added("paced", "p99Us"),
        // The flood: each flood event is one forwarded message. An ack trip is two.
        floodCpuUsPerMsg: median(samples.map((s) => s[who].flood.middleCpuUs / s[who].flood.count)),
        seqCpuUsPerTrip: median(samples.map((s) => s[who].seq.middleCpuUs / s[who].seq.count)),
        pacedCpuUsPerTrip: median(samples.map((s) => s[who].paced.middleCpuUs / s[who].paced.count)),
      });
    }
  }
  const logs = samples.map((s) => s.log);
  return {
    counts,
    runs,
    paths,
    cpuRatio: median(samples.map((s) => s.sio.flood.middleCpuUs / s.haproxy.flood.middleCpuUs)),
    log: {
      complete: logs.every((l) => l.complete),
      records: median(logs.map((l) => l.records)),
      bytes: median(logs.map((l) => l.bytes)),
      errors: Math.max(...logs.map((l) => l.errors)),
      worst: logs.find((l) => !l.complete) || null,
    },
    samples,
  };
}

// The rows of the table, with `add(group, figure, sioscope, reference, ratio, target, met)`;
// the reference column is HAProxy.
function proxyRows(proxy, add, fmt) {
  const { counts: c, runs } = proxy;
  if (proxy.error) {
    add("proxy", `SioScope proxy vs HAProxy: the run`, "error", "error", "", "measured", false);
    return;
  }
  const { direct: d, haproxy: h, sio: s } = proxy.paths;
  const list = (digits, ...values) => values.map((v) => fmt(v, digits)).join(" · ");
  const range = (values) => `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`;
  const ratio = (a, b) => (Number.isFinite(a / b) ? (a / b).toFixed(2) : "–");
  const rate = fmt(c.pacedRate);
  const pooled = runs > 1 ? `, ${runs} runs pooled` : "";
  add("proxy", `SioScope proxy vs HAProxy: seq. acks ×${c.seq}${pooled}: RTT p50 · p99 µs (direct ${list(0, d.seqP50Us, d.seqP99Us)})`,
    list(0, s.seqP50Us, s.seqP99Us), list(0, h.seqP50Us, h.seqP99Us), "", "", undefined);
  add("proxy", `seq. acks: added p50 · p99 µs`, list(0, s.addedSeqP50Us, s.addedSeqP99Us), list(0, h.addedSeqP50Us, h.addedSeqP99Us), ratio(s.addedSeqP99Us, h.addedSeqP99Us), "", undefined);
  add("proxy", `acks at ${rate}/s × ${c.pacedMs / 1000} s${pooled}: p50 · p90 · p99 µs (direct ${list(0, d.pacedP50Us, d.pacedP90Us, d.pacedP99Us)})`,
    list(0, s.pacedP50Us, s.pacedP90Us, s.pacedP99Us), list(0, h.pacedP50Us, h.pacedP90Us, h.pacedP99Us), "", "", undefined);
  add("proxy", `acks at ${rate}/s: added p50 · p90 · p99 µs`, list(0, s.addedPacedP50Us, s.addedPacedP90Us, s.addedPacedP99Us),
    list(0, h.addedPacedP50Us, h.addedPacedP90Us, h.addedPacedP99Us), ratio(s.addedPacedP99Us, h.addedPacedP99Us), "p99 <1000 µs", s.addedPacedP99Us < 1000);
  add("proxy", `acks at ${rate}/s: p99 of each run, min–max µs (direct ${range(d.runPacedP99Us)})`, range(s.runPacedP99Us), range(h.runPacedP99Us), "", "", undefined);
  add("proxy", `small flood ×${fmt(c.flood)}: events/s (direct ${fmt(d.floodPerS)})`, fmt(s.floodPerS), fmt(h.floodPerS), ratio(s.floodPerS, h.floodPerS), "", undefined);
  add("proxy", `small flood: % of direct (median of the runs' ratios)`, fmt(s.floodPctOfDirect, 1), fmt(h.floodPctOfDirect, 1), "", "≥90 %", s.floodPctOfDirect >= 90);
  add("proxy", `small flood: middlebox CPU µs per forwarded event`, fmt(s.floodCpuUsPerMsg, 2), fmt(h.floodCpuUsPerMsg, 2), proxy.cpuRatio.toFixed(2) + "×", "≤2× HAProxy", proxy.cpuRatio <= 2);
  add("proxy", `seq. acks · ${rate}/s: middlebox CPU µs per ack trip`, list(1, s.seqCpuUsPerTrip, s.pacedCpuUsPerTrip), list(1, h.seqCpuUsPerTrip, h.pacedCpuUsPerTrip), "", "", undefined);
  const l = proxy.log;
  add("proxy", `SioScope log per run: records · MB; every flood event and ack in it`, `${fmt(l.records)} · ${fmt(l.bytes / 1e6, 1)}; ${l.complete ? "yes" : "NO"}`, "–", "", "all recorded", l.complete);
}

module.exports = { benchProxy, proxyRows };

if (require.main === module && process.argv[2] === "client") clientMain();
