// The npm packages of tests/peers (pinned in its package-lock.json), for the bench scripts.
"use strict";
const path = require("path");
const { createRequire } = require("module");

const peersDir = path.resolve(__dirname, "..", "..", "tests", "peers");
module.exports = {
  peersDir,
  require: createRequire(path.join(peersDir, "package.json")),
};
