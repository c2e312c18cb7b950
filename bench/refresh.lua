-- Refresh-token rotation: each connection keeps a chain going (every answer carries the next
-- refresh token). args: token_file client_id; the file holds one refresh token per line.
local report = require("report")
local tokens = {}
refreshes = 0

function init(args)
  client_id = args[2]
  -- index and count are set on each thread by report.lua's setup(): each thread takes its share.
  local n = 0
  for line in io.lines(args[1]) do
    if n % count == index then table.insert(tokens, line) end
    n = n + 1
  end
end

function request()
  local token = table.remove(tokens, 1) or "exhausted"
  return wrk.format("POST", "/oauth/token", { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "grant_type=refresh_token&client_id=" .. client_id .. "&refresh_token=" .. token)
end

function response(status, headers, body)
  local next_token = body:match('"refresh_token":"([^"]+)"')
  if status == 200 and next_token then
    table.insert(tokens, next_token)
    refreshes = refreshes + 1
  else
    bad = bad + 1
  end
end

done = report.done_counting("refreshes")
