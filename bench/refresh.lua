-- Refresh-token rotation: each connection keeps a chain going (every answer carries the next
-- refresh token). args: token_file client_id wrk_threads; the file holds one refresh token per line.
local report = require("report")
local tokens = {}
refreshes = 0

function init(args)
  client_id = args[2]
  -- index is set on each thread by report.lua's setup() before it starts; each thread takes its
  -- share of the chains (a chain used by two threads would look like refresh-token theft).
  local n, count = 0, tonumber(args[3])
  for line in io.lines(args[1]) do
    if n % count == index then table.insert(tokens, line) end
    n = n + 1
  end
end

local checked = false
function request()
  -- wrk calls request() once on thread 0 before any connection, to inspect the script; a chain
  -- handed to that call would be lost (with one connection, the only chain).
  if index == 0 and not checked then
    checked = true
    return wrk.format("GET", "/health")
  end
  local token = table.remove(tokens, 1)
  -- A chain whose answer was lost (a wrk timeout) is gone; the connection idles on /health
  -- instead of sending a dead token that would count as a failure of the server.
  if not token then return wrk.format("GET", "/health") end
  return wrk.format("POST", "/oauth/token", { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "grant_type=refresh_token&client_id=" .. client_id .. "&refresh_token=" .. token)
end

function response(status, headers, body)
  if body:find('"status":"ok"', 1, true) then return end
  local next_token = body:match('"refresh_token":"([^"]+)"')
  if status == 200 and next_token then
    table.insert(tokens, next_token)
    refreshes = refreshes + 1
  else
    bad = bad + 1
  end
end

done = report.done_counting("refreshes")
