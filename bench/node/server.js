// The server group of bench/run: ServerClients WebSocket clients connect to `sioscope-cli serve`
// and to a plain socket.io 4.8 server (broadcast-server.js), one after the other, from the same
// generator (this process, with the `ws` package socket.io itself uses). Each client opens an
// Engine.IO v4 WebSocket straight away (no polling), joins `/`, and answers pings. Then one client
// sends `broadcast` BroadcastRounds times, and each round ends when every client has its `news`.
//
// Figures per server: connection rate (clients joined per second, ConnectWindow handshakes in
// flight), the server's resident memory per connected client (VmRSS with every client joined −
// VmRSS before the first, from /proc), the broadcast rate (deliveries per second over all rounds)
// and the server's CPU time per delivery (/proc/<pid>/stat). `serve` records every packet to a
// JSON Lines file meanwhile, as it always does; the Node server records nothing.
"use strict";

const fs = require("fs");
const path = require("path");
const peers = require("./peers");
const { startProcess } = require("./startprocess");
const WebSocket = peers.require("ws");

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

// Connects `count` clients; resolves {clients, connectMs} or rejects on the first failure.
function connectAll(port, count, deadlineMs) {
  const url = `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`;
  const clients = [];
  let started = 0;
  let joined = 0;
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (message) => {
      if (failed) return;
      failed = true;
      reject(new Error(message));
    };
    const timer = setTimeout(() => fail(`${joined} of ${count} clients joined within ${deadlineMs / 1000} s`), deadlineMs);
    const next = () => {
      if (failed || started >= count) return;
      const index = started++;
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const client = { ws, joined: false, news: 0 };
      clients.push(client);
      ws.on("message", (data, isBinary) => {
        if (isBinary) return fail(`client ${index}: unexpected binary message`);
        const text = data.toString();
        if (text === "2") return ws.send("3");
        if (text.startsWith("0{")) return ws.send("40");
        if (text.startsWith("40")) {
          client.joined = true;
          if (++joined === count) {
            clearTimeout(timer);
            resolve({ clients, connectMs: Number(process.hrtime.bigint() - t0) / 1e6 });
          }
          return next();
        }
        if (text.startsWith('42["news"')) {
          client.news++;
          if (client.onNews) client.onNews();
          return;
        }
        if (text.startsWith("44")) fail(`client ${index}: CONNECT refused: ${text}`);
      });
      ws.on("error", (e) => fail(`client ${index}: ${e.message}`));
      ws.on("close", (code) => {
        if (!client.closing) fail(`client ${index}: closed by the server (${code}) after ${joined} joined`);
      });
    };
    for (let i = 0; i < Math.min(ConnectWindow, count); i++) next();
  });
}

// One broadcast round: resolves when every client counted `round` news.
function broadcastRound(clients, round, deadlineMs) {
  return new Promise((resolve, reject) => {
    let waiting = clients.filter((c) => c.news < round).length;
    const timer = setTimeout(() => reject(new Error(`broadcast ${round}: ${waiting} of ${clients.length} clients still waiting after ${deadlineMs / 1000} s`)), deadlineMs);
    for (const c of clients) {
      c.onNews = () => {
        if (c.news === round && --waiting === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
    }
    clients[0].ws.send(`42["broadcast",{"round":${round},"text":"hello everyone"}]`);
  });
}

function closeAll(clients) {
  for (const c of clients) {
    c.closing = true;
    c.ws.terminate();
  }
}

async function measureServer(server, count, rounds, log) {
  await new Promise((r) => setTimeout(r, 300)); // the server's start-up allocations settle
  const before = procStatus(server.child.pid);
  const { clients, connectMs } = await connectAll(server.port, count, 120000);
  await new Promise((r) => setTimeout(r, 1000));
  const connected = procStatus(server.child.pid);
  log(`  ${count} joined in ${(connectMs / 1000).toFixed(1)} s; RSS ${before.rssKb} → ${connected.rssKb} KB, ${connected.fds} fds`);
  const t0 = process.hrtime.bigint();
  try {
    for (let round = 1; round <= rounds; round++) await broadcastRound(clients, round, 60000);
  } finally {
    closeAll(clients);
  }
  const broadcastMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const after = procStatus(server.child.pid);
  return {
    clients: count,
    connectPerS: count / (connectMs / 1000),
    kbPerClient: (connected.rssKb - before.rssKb) / count,
    broadcastMs,
    deliveriesPerS: (count * rounds) / (broadcastMs / 1000),
    cpuUsPerDelivery: (after.cpuUs - connected.cpuUs) / (count * rounds),
  };
}

// Returns {clients, rounds, sio: {...} | {error}, node: {...} | {error}}.
async function benchServer({ tmp, cliBin, log, quick }) {
  const clients = quick ? 2000 : 10000;
  const rounds = quick ? 5 : 20;
  const dir = path.join(tmp, "server");
  fs.mkdirSync(dir, { recursive: true });
  const rules = path.join(dir, "broadcast.json");
  fs.writeFileSync(rules, JSON.stringify({ version: 1, namespaces: { "/": { on: { broadcast: { emit: { event: "news", args: "$args", to: "all" } } } } } }));
  const out = { clients, rounds, sio: {}, node: {} };

  const run = async (key, start) => {
    let server = null;
    try {
      server = await start();
      log(`server: ${key} at 127.0.0.1:${server.port}, ${clients} WebSocket clients, ${rounds} broadcasts`);
      out[key] = await measureServer(server, clients, rounds, log);
    } catch (e) {
      out[key] = { error: String(e.message || e) };
      log(`server ${key}: ${out[key].error}`);
    } finally {
      if (server) server.child.kill("SIGTERM");
    }
  };
  await run("sio", () =>
    startProcess(
      cliBin,
      ["serve", "--port", "0", "--rules", rules, "--ping-interval", String(PingIntervalMs), "--ping-timeout", String(PingIntervalMs),
        "--max-connections", String(clients + 100), "-o", path.join(dir, "serve.jsonl")],
      "stderr", /listening on http:\/\/127\.0\.0\.1:(\d+)\//, path.join(dir, "serve.log")));
  await run("node", () =>
    startProcess(process.execPath, [path.join(__dirname, "broadcast-server.js"), String(PingIntervalMs)], "stdout", /^listening (\d+)$/, path.join(dir, "node.log")));
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
