// Preloaded into the Microsoft 365 Agents Playground (node --require): its server calls
// `listen(port)`, which binds every interface. The Playground forwards whatever its page
// sends to the bot as any configured user, and the bot trusts unauthenticated loopback
// requests in development — so the Playground must be reachable from this machine only.
"use strict";
const net = require("net");

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first, second] = args;
  if (typeof first === "number" && (second === undefined || typeof second === "function")) {
    args.splice(1, 0, "127.0.0.1");
  } else if (first && typeof first === "object" && first.port !== undefined && !first.host) {
    args[0] = { ...first, host: "127.0.0.1" };
  }
  return listen.apply(this, args);
};
