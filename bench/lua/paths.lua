-- wrk script: requests the paths listed one per line in the file given after `--`,
-- thread n of N starting at offset (n-1)/N of the list and walking it in order, so every
-- server is sent the same sequence (sizes in a random list differ tenfold in cost).
-- Prints one `BENCH-JSON {...}` line with the figures the report reads.
local paths = {}
local i = 0
local threads = 0

function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
  thread:set("count", 2) -- run.sh always uses two threads; fixed so offsets do not depend on order
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  assert(#paths > 0, "no paths in " .. tostring(args[1]))
  i = math.floor(#paths * (index or 0) / (count or 1))
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"errors":%d,"non_2xx_3xx":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, e.status))
end
