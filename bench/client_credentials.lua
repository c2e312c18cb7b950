-- POST /oauth/token, grant_type=client_credentials, client_secret_basic.
-- args: token_path client_id client_secret [extra form parameters, e.g. "&scope=api:read"]
local report = require("report")
function init(args)
  local path, id, secret = args[1], args[2], args[3]
  wrk.method = "POST"
  wrk.path = path
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. report.base64(id .. ":" .. secret)
  wrk.body = "grant_type=client_credentials" .. (args[4] or "")
end
response = report.check_status(200)
done = report.done
