-- Revocation (RFC 7009): each connection issues a token (client_credentials, client_secret_basic)
-- and revokes it, so every revocation hits a live token and writes its row. Counts revocations;
-- the latencies are those of both requests.
-- args: token_path revocation_path client_id client_secret
local report = require("report")
local pending = {}
revocations = 0

function init(args)
  token_path, revoke_path = args[1], args[2]
  basic = "Basic " .. report.base64(args[3] .. ":" .. args[4])
end

function request()
  local token = table.remove(pending)
  if token then
    return wrk.format("POST", revoke_path, { ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Authorization"] = basic }, "token=" .. token .. "&token_type_hint=access_token")
  end
  return wrk.format("POST", token_path, { ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = basic }, "grant_type=client_credentials")
end

function response(status, headers, body)
  local token = body:match('"access_token":"([^"]+)"')
  if status == 200 and token then
    table.insert(pending, token)
  elseif status == 200 then
    revocations = revocations + 1
  else
    bad = bad + 1
  end
end

done = report.done_counting("revocations")
