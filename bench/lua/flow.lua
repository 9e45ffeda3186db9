-- wrk script for the Picsum flow: requests a listed path (e.g. /400/300) from the API,
-- then follows the 302's Location (same host: a front proxy routes /id/ to the image
-- service). The paths file is the argument after `--`. A flow is one redirect plus one
-- image; the BENCH-JSON line counts flows, and latency is per request.
local paths = {}
local pending = {}
local i = 0
flows = 0 -- global: done() reads it per thread with thread:get
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  assert(#paths > 0, "no paths in " .. tostring(args[1]))
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
  i = math.random(#paths)
end

function request()
  local location = table.remove(pending)
  if location then
    return wrk.format("GET", location)
  end
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

function response(status, headers, body)
  if status == 302 then
    local location = headers["Location"] or headers["location"]
    pending[#pending + 1] = location:gsub("^https?://[^/]+", "")
  elseif status == 200 then
    flows = flows + 1
  end
end

done = function(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + t:get("flows")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests":%d,"flows":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,' ..
    '"p99_us":%d,"max_us":%d,"errors":%d,"non_2xx_3xx":%d}\n',
    summary.requests, total, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
