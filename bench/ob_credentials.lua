-- The protected Open Badges endpoint: GET /ims/ob/v3p0/credentials with one learner's access token
-- (a verified-token cache answers, not a signature check per request).
-- args: access_token
local report = require("report")
function init(args)
  wrk.method = "GET"
  wrk.path = "/ims/ob/v3p0/credentials"
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  wrk.headers["Accept"] = "application/json"
end
response = report.check_status(200)
done = report.done
