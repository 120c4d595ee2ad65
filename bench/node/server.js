// The server group of bench/run: thousands of WebSocket clients connect to `sioscope-cli serve`
// and to a plain socket.io 4.8 server (broadcast-server.js), one after the other, from the same
// generator, sioscope-bench-fanout (bench/fanoutclients.cpp, which says why it is not Node). Each
// client opens an Engine.IO v4 WebSocket straight away (no polling), joins `/`, and answers
// pings. Then the first client sends `broadcast` once per round, and each round ends when every
// client has its `news`.
//
// Figures per server: connection rate (clients joined per second, ConnectWindow handshakes in
// flight), the server's resident memory per connected client (VmRSS with every client joined −
// VmRSS before the first, from /proc), the broadcast rate (deliveries per second over all rounds)
// and the server's CPU time per delivery (/proc/<pid>/stat, over the rounds, read before the
// clients close). `serve` records every packet to a JSON Lines file meanwhile, as it always does;
// the Node server records nothing.
"use strict";

const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { spawn } = require("child_process");
const { startProcess } = require("./startprocess");

const ConnectWindow = 200;
const PingIntervalMs = 120000; // no heartbeat during the run, on either server
const ClockTicksPerSecond = 100; // Linux USER_HZ, the unit of /proc/<pid>/stat

function procStatus(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  // /proc/<pid>/stat: fields 14 and 15 (utime, stime) follow the command's closing parenthesis.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuUs = ((Number(fields[11]) + Number(fields[12])) * 1e6) / ClockTicksPerSecond;
  const fds = fs.readdirSync(`/proc/${pid}/fd`).length;
  return { rssKb, cpuUs, fds };
}

// Runs the generator against one server and reads the server's /proc figures between its phases.
function measureServer(server, fanoutBin, count, rounds, log) {
  return new Promise((resolve, reject) => {
    const generator = spawn(fanoutBin, [String(server.port), String(count), String(rounds), String(ConnectWindow)], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    let settled = false;
    const finish = (error, result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (generator.exitCode === null) generator.stdin.end("close\n");
      if (error) reject(error);
      else resolve(result);
    };
    // The generator's own deadlines are 120 s to connect and 60 s a round; this one is the last resort.
    const timer = setTimeout(() => {
      generator.kill("SIGTERM");
      finish(new Error("the generator did not finish within its deadlines"));
    }, 130000 + rounds * 61000);
    generator.on("error", (e) => finish(e));
    generator.stdin.on("error", () => {}); // gone already: its exit says why
    generator.on("exit", (code, signal) => {
      if (!settled) finish(new Error(`the generator exited (${signal || code}) before it finished`));
    });
    let before;
    let connected;
    let connectMs;
    setTimeout(() => {
      // The server's start-up allocations settle before the baseline.
      before = procStatus(server.child.pid);
      generator.stdout.setEncoding("utf8");
      readline.createInterface({ input: generator.stdout }).on("line", (line) => {
        const [word, rest] = [line.split(" ", 1)[0], line.slice(line.indexOf(" ") + 1)];
        if (word === "error") return finish(new Error(rest));
        if (word === "joined") {
          connectMs = Number(rest);
          setTimeout(() => {
            connected = procStatus(server.child.pid);
            log(`  ${count} joined in ${(connectMs / 1000).toFixed(1)} s; RSS ${before.rssKb} → ${connected.rssKb} KB, ${connected.fds} fds`);
            generator.stdin.write("go\n");
          }, 1000);
          return;
        }
        if (word === "broadcast") {
          // Read before the clients go: their closes are the server's teardown, not its broadcast.
          const after = procStatus(server.child.pid);
          const broadcastMs = Number(rest);
          finish(null, {
            clients: count,
            connectPerS: count / (connectMs / 1000),
            kbPerClient: (connected.rssKb - before.rssKb) / count,
            broadcastMs,
            deliveriesPerS: (count * rounds) / (broadcastMs / 1000),
            cpuUsPerDelivery: (after.cpuUs - connected.cpuUs) / (count * rounds),
          });
          return;
        }
        finish(new Error(`the generator said: ${line}`));
      });
    }, 300);
  });
}

function median(values) {
  const v = [...values].sort((x, y) => x - y);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

// Returns {clients, rounds, runs, sio: {...} | {error}, node: {...} | {error}}: each figure the
// median of `runs` runs, which alternate which server goes first (a run's figures move by up to
// ±20 % on this kind of machine).
async function benchServer({ tmp, cliBin, fanoutBin, log, quick, runs = 1 }) {
  const clients = quick ? 2000 : 10000;
  const rounds = quick ? 5 : 20;
  const dir = path.join(tmp, "server");
  fs.mkdirSync(dir, { recursive: true });
  const rules = path.join(dir, "broadcast.json");
  fs.writeFileSync(rules, JSON.stringify({ version: 1, namespaces: { "/": { on: { broadcast: { emit: { event: "news", args: "$args", to: "all" } } } } } }));
  const starters = {
    sio: () =>
      startProcess(
        cliBin,
        ["serve", "--port", "0", "--rules", rules, "--ping-interval", String(PingIntervalMs), "--ping-timeout", String(PingIntervalMs),
          "--max-connections", String(clients + 100), "-o", path.join(dir, "serve.jsonl")],
        "stderr", /listening on http:\/\/127\.0\.0\.1:(\d+)\//, path.join(dir, "serve.log")),
    node: () =>
      startProcess(process.execPath, [path.join(__dirname, "broadcast-server.js"), String(PingIntervalMs)], "stdout", /^listening (\d+)$/, path.join(dir, "node.log")),
  };
  const samples = { sio: [], node: [] };
  const errors = {};
  const runOne = async (key) => {
    let server = null;
    try {
      server = await starters[key]();
      log(`server: ${key} at 127.0.0.1:${server.port}, ${clients} WebSocket clients, ${rounds} broadcasts`);
      samples[key].push(await measureServer(server, fanoutBin, clients, rounds, log));
    } catch (e) {
      errors[key] = String(e.message || e);
      log(`server ${key}: ${errors[key]}`);
    } finally {
      if (server) server.child.kill("SIGTERM");
    }
  };
  for (let run = 0; run < runs; run++)
    for (const key of run % 2 === 0 ? ["sio", "node"] : ["node", "sio"]) if (!errors[key]) await runOne(key);
  const out = { clients, rounds, runs };
  for (const key of ["sio", "node"]) {
    if (errors[key]) {
      out[key] = { error: errors[key] };
      continue;
    }
    out[key] = {};
    for (const figure of Object.keys(samples[key][0])) out[key][figure] = median(samples[key].map((sample) => sample[figure]));
  }
  return out;
}

// The rows of the table, with `add(group, figure, sioscope, reference, ratio, target, met)`.
function serverRows(server, add, fmt) {
  const { clients, rounds, sio: s, node: n } = server;
  const name = `${clients} WebSocket clients`;
  if (s.error || n.error) {
    add("server", `${name}: joined`, s.error ? "error" : "all", n.error ? "error" : "all", "", "all", false);
    return;
  }
  add("server", `${name}: joined per s`, fmt(s.connectPerS, 0), fmt(n.connectPerS, 0), (s.connectPerS / n.connectPerS).toFixed(2), "all join", true);
  add("server", `server: KB per connected client (RSS)`, fmt(s.kbPerClient, 1), fmt(n.kbPerClient, 1), (s.kbPerClient / n.kbPerClient).toFixed(2), "≤0.25", s.kbPerClient / n.kbPerClient <= 0.25);
  add("server", `server: broadcast to all ×${rounds}, deliveries per s`, fmt(s.deliveriesPerS, 0), fmt(n.deliveriesPerS, 0), (s.deliveriesPerS / n.deliveriesPerS).toFixed(2), "≥2", s.deliveriesPerS / n.deliveriesPerS >= 2);
  add("server", `server: CPU µs per delivery (serve records every packet)`, fmt(s.cpuUsPerDelivery, 2), fmt(n.cpuUsPerDelivery, 2), (s.cpuUsPerDelivery / n.cpuUsPerDelivery).toFixed(2), "", undefined);
}

module.exports = { benchServer, serverRows };
