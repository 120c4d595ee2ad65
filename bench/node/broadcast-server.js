// The reference of the server group of bench/run: a plain socket.io 4.8 server (the version pinned
// in tests/peers) whose `broadcast` event is emitted to every socket of `/` as `news`, as
// `sioscope-cli serve` does with the rules the group gives it. Prints "listening <port>".
//
//   node broadcast-server.js <pingIntervalMs>
"use strict";
const http = require("http");
const peers = require("./peers");
const { Server } = peers.require("socket.io");

const pingInterval = Number(process.argv[2] || 25000);
const httpServer = http.createServer();
const io = new Server(httpServer, {
  pingInterval,
  pingTimeout: pingInterval,
  transports: ["websocket"],
  maxHttpBufferSize: 1e6,
});
io.on("connection", (socket) => {
  socket.on("broadcast", (...args) => io.emit("news", ...args));
});
httpServer.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${httpServer.address().port}\n`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => process.exit(0));
