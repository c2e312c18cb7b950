-- Shared by the wrk scripts: Basic encoding, response checks, and a one-line JSON summary.
local M = {}

local b = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
function M.base64(data)
  return ((data:gsub(".", function(x)
    local r, byte = "", x:byte()
    for i = 8, 1, -1 do r = r .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#data % 3 + 1])
end

-- Counts unexpected answers (a global per wrk thread, summed in done) so that a fast stream of
-- errors is never reported as throughput.
bad = 0
local threads = {}
function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end
function M.check_status(want)
  return function(status, headers, body)
    if status ~= want then bad = bad + 1 end
  end
end
function M.check_body(needle)
  return function(status, headers, body)
    if status ~= 200 or not string.find(body, needle, 1, true) then bad = bad + 1 end
  end
end

function M.done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local bad_total = 0
  for _, t in ipairs(threads) do bad_total = bad_total + t:get("bad") end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status +
                 summary.errors.timeout
  io.write(string.format(
    '{"requests":%d,"rps":%.0f,"p50_ms":%.2f,"p99_ms":%.2f,"socket_errors":%d,"unexpected":%d}\n',
    summary.requests, summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors, bad_total))
end

-- For multi-step scripts: the rate of a completed unit (a global counter per thread) instead of
-- the raw request rate. `shortfall`, when given, names a counter of requests that could not be
-- real work (a script out of pre-made inputs); it is reported so such a run is not trusted.
function M.done_counting(counter, shortfall)
  return function(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local units, bad_total, short = 0, 0, 0
    for _, t in ipairs(threads) do
      units = units + t:get(counter)
      bad_total = bad_total + t:get("bad")
      if shortfall then short = short + t:get(shortfall) end
    end
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status +
                   summary.errors.timeout
    io.write(string.format(
      '{"requests":%d,"rps":%.0f,"p50_ms":%.2f,"p99_ms":%.2f,"socket_errors":%d,"unexpected":%d,"shortfall":%d}\n',
      units, units / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, bad_total,
      short))
  end
end

return M
