-- POST introspection of one access token by its own client (client_secret_basic).
-- args: introspection_path client_id client_secret token
local report = require("report")
function init(args)
  local path, id, secret, token = args[1], args[2], args[3], args[4]
  wrk.method = "POST"
  wrk.path = path
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. report.base64(id .. ":" .. secret)
  wrk.body = "token=" .. token
end
response = report.check_body('"active":true')
done = report.done
