// The four packet shapes of the codec benchmark, as JavaScript values (deterministic).
"use strict";

function sentence(seed, words) {
  const vocabulary = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo"];
  const out = [];
  for (let i = 0; i < words; i++) out.push(vocabulary[(seed * 7 + i * 13) % vocabulary.length]);
  return out.join(" ");
}

function item(i) {
  return {
    id: 100000 + i,
    name: `user-${i}`,
    score: Math.round(((i * 37) % 1000) * 1.25 * 100) / 100,
    active: i % 3 !== 0,
    tags: [`t${i % 7}`, `g${i % 5}`],
    note: sentence(i, 4),
  };
}

// ~1 KB of JSON: a chat-like message with nested objects, numbers, booleans, a few escapes.
function mediumEvent() {
  const data = {
    room: "general",
    from: { id: 42, name: "Alice \"Al\" Liddell", roles: ["admin", "moderator"] },
    sentAt: 1718000000123,
    text: sentence(3, 40) + "\n" + sentence(5, 20),
    mentions: [item(1), item(2), item(3), item(4)],
    meta: { edited: false, replyTo: null, reactions: { "👍": 3, "🎉": 1 } },
  };
  return ["message", data];
}

// ~64 KB of JSON: a bulk update of many small records.
function largeEvent() {
  const items = [];
  for (let i = 0; JSON.stringify(items).length < 64 * 1024 - 200; i++) items.push(item(i));
  return ["bulk", { page: 1, total: items.length, items }];
}

function shapes() {
  return [
    { name: "small", data: ["chat", { user: "alice", text: "hello world", n: 123 }] },
    { name: "json-1k", data: mediumEvent() },
    { name: "binary-1k", data: ["upload", { name: "blob.bin", data: Buffer.alloc(1024, 0x61) }] },
    { name: "json-64k", data: largeEvent() },
  ];
}

module.exports = { shapes };
