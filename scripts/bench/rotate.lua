-- wrk script of scripts/bench_consumption.py: rotate customers (and their tokens),
-- meters or ETags over a targets file, count the statuses, print JSON at the end.
--   wrk -t2 -c64 -d30s -s rotate.lua URL -- TARGETS MODE [MONTH_FROM]
-- TARGETS: lines "code token meter_id [etag_day etag_month]"
-- MODE: baseline (GET /consumption/{meter_id}), ping (GET /ping),
--       api (alternately the 30-day and the 24-month view, no If-None-Match),
--       etag (the same with the ETag of each view as If-None-Match)

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local targets, mode, month_from = {}, "api", ""
counter, s200, s304, sother = 0, 0, 0, 0

function init(args)
  mode = args[2] or "api"
  month_from = args[3] or os.getenv("BENCH_MONTH_FROM") or ""
  for line in io.lines(args[1]) do
    local fields = {}
    for field in line:gmatch("%S+") do table.insert(fields, field) end
    if #fields >= 3 then table.insert(targets, fields) end
  end
  -- threads start far apart in the list
  counter = math.floor(#targets / 2) * id
end

function request()
  counter = counter + 1
  if mode == "ping" then
    return wrk.format("GET", "/ping")
  end
  if mode == "baseline" then
    return wrk.format("GET", "/consumption/" .. targets[(counter % #targets) + 1][3])
  end
  -- a customer's page asks for both views, one after the other
  local t = targets[(math.floor(counter / 2) % #targets) + 1]
  local monthly = counter % 2 == 1
  local path = "/api/v1/customers/" .. t[1] .. "/consumption"
  if monthly then path = path .. "?granularity=month&from=" .. month_from end
  local headers = { ["Authorization"] = "Bearer " .. t[2], ["Accept-Language"] = "vi" }
  if mode == "etag" then
    headers["If-None-Match"] = monthly and t[5] or t[4]
  end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status == 200 then s200 = s200 + 1
  elseif status == 304 then s304 = s304 + 1
  else sother = sother + 1 end
end

function done(summary, latency, requests)
  local c200, c304, cother = 0, 0, 0
  for _, thread in ipairs(threads) do
    c200 = c200 + thread:get("s200")
    c304 = c304 + thread:get("s304")
    cother = cother + thread:get("sother")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'JSON {"rps": %.1f, "p50": %.3f, "p99": %.3f, "max": %.3f, "requests": %d, ' ..
    '"errors": %d, "status": {"200": %d, "304": %d, "other": %d}}\n',
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write +
      summary.errors.timeout, c200, c304, cother))
end
