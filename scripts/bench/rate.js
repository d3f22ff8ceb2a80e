// Constant request rate for scripts/bench_consumption.py (autocannon --overallRate),
// with the targets and modes of rotate.lua. Prints one JSON line at the end.
//   node rate.js URL TARGETS MODE RATE SECONDS CONNECTIONS [MONTH_FROM]
"use strict";
const fs = require("fs");
const autocannon = require("autocannon");

const [url, file, mode, rate, seconds, connections, monthArg] = process.argv.slice(2);
const monthFrom = monthArg || process.env.BENCH_MONTH_FROM || "";
const targets = fs
  .readFileSync(file, "utf8")
  .split("\n")
  .map((line) => line.trim().split(/\s+/))
  .filter((fields) => fields.length >= 3);
let counter = Math.floor(targets.length / 3);

function next(request) {
  counter += 1;
  if (mode === "ping") return { ...request, method: "GET", path: "/ping" };
  if (mode === "baseline") {
    const t = targets[counter % targets.length];
    return { ...request, method: "GET", path: `/consumption/${t[2]}` };
  }
  const t = targets[Math.floor(counter / 2) % targets.length];
  const monthly = counter % 2 === 1;
  let path = `/api/v1/customers/${t[0]}/consumption`;
  if (monthly) path += `?granularity=month&from=${monthFrom}`;
  const headers = { authorization: `Bearer ${t[1]}`, "accept-language": "vi" };
  if (mode === "etag") headers["if-none-match"] = monthly ? t[4] : t[3];
  return { ...request, method: "GET", path, headers };
}

const statuses = {};
const instance = autocannon(
  {
    url,
    connections: Number(connections),
    overallRate: Number(rate),
    duration: Number(seconds),
    timeout: 10,
    requests: [{ setupRequest: next }],
  },
  (error, result) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    const line = {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      requests: result.requests.total,
      errors: result.errors + result.timeouts,
      status: statuses,
    };
    console.log(JSON.stringify(line));
  }
);
instance.on("response", (client, statusCode) => {
  statuses[statusCode] = (statuses[statusCode] || 0) + 1;
});
