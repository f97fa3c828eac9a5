-- wrk script: POST one e-mail to /api/v1/check with the CSRF token.
-- Environment: MIWAKE_EML (the message file), MIWAKE_TOKEN (from GET /api/v1/token).
local file = assert(io.open(os.getenv("MIWAKE_EML"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "message/rfc822"
wrk.headers["X-Miwake-Csrf"] = os.getenv("MIWAKE_TOKEN")

local non_200 = 0
function response(status, headers, body)
  if status ~= 200 then
    non_200 = non_200 + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors (socket) connect %d read %d write %d timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("p%g %.2f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("mean %.2f ms, max %.2f ms, %.0f requests/s\n",
    latency.mean / 1000, latency.max / 1000, summary.requests / (summary.duration / 1e6)))
end
