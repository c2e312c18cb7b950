-- POST /oauth/token, grant_type=client_credentials, private_key_jwt (RFC 7523): every request
-- carries a pre-signed assertion with its own jti (bench/assertions.mjs), since a jti is single-use.
-- args: token_path client_id assertion_file_prefix   (thread i reads PREFIX.i)
local report = require("report")
local assertions = {}
local next_one = 1
exhausted = 0

function init(args)
  token_path, client_id = args[1], args[2]
  for line in io.lines(args[3] .. "." .. index) do table.insert(assertions, line) end
end

function request()
  local a = assertions[next_one]
  -- Out of assertions: idle on /health rather than replay one (a replay is a 401, not throughput).
  if not a then
    exhausted = exhausted + 1
    return wrk.format("GET", "/health")
  end
  next_one = next_one + 1
  return wrk.format("POST", token_path, { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "grant_type=client_credentials&client_id=" .. client_id ..
    "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer" ..
    "&client_assertion=" .. a)
end

function response(status, headers, body)
  if body:find('"status":"ok"', 1, true) then return end
  if status == 200 and body:find('"access_token"', 1, true) then
    issued = issued + 1
  else
    bad = bad + 1
  end
end

issued = 0
done = report.done_counting("issued", "exhausted")
