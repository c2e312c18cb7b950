-- Complete authorization-code flows: GET /oauth/authorize (the user's session, a pre-authorized
-- consent, Accept: application/json -> the redirect with a code at once), then POST /oauth/token
-- with the code and the PKCE verifier. A flow counts when its token response arrives.
-- args: authorize_target session_token client_id code_verifier redirect_uri
local report = require("report")
local codes = {}
flows = 0

function init(args)
  authorize_target, session, client_id, verifier, redirect_uri = args[1], args[2], args[3], args[4], args[5]
end

local function escape(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  local code = table.remove(codes)
  if code then
    return wrk.format("POST", "/oauth/token", { ["Content-Type"] = "application/x-www-form-urlencoded" },
      "grant_type=authorization_code&client_id=" .. client_id .. "&code=" .. code .. "&redirect_uri=" ..
      escape(redirect_uri) .. "&code_verifier=" .. verifier)
  end
  return wrk.format("GET", authorize_target, { ["Accept"] = "application/json", ["Authorization"] = "Bearer " .. session })
end

function response(status, headers, body)
  local code = body:match("[?&]code=([%w%-_]+)")
  if status == 200 and code then
    table.insert(codes, code)
  elseif status == 200 and body:find('"access_token"', 1, true) then
    flows = flows + 1
  else
    bad = bad + 1
  end
end

done = report.done_counting("flows")
