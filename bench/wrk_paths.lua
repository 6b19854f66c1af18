-- wrk script for bench/load.py: rotates through the paths in the file named by
-- POLKU_WRK_PATHS (one per line). Every POLKU_WRK_REQUESTS_PER_CONNECTION-th request asks
-- the server to close the connection, so that wrk reconnects like a new visitor and the
-- kernel spreads connections over all uvicorn workers. done() prints one JSON line.
local paths = {}
for line in io.lines(os.getenv("POLKU_WRK_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local per_connection = tonumber(os.getenv("POLKU_WRK_REQUESTS_PER_CONNECTION") or "20")
local counter = 0

request = function()
  counter = counter + 1
  local headers = { ["Accept-Encoding"] = "gzip, deflate" }
  if counter % per_connection == 0 then headers["Connection"] = "close" end
  return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end

done = function(summary, latency, _requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "status_errors": %d, "socket_errors": %d, "seconds": %.3f, ' ..
    '"p50_ms": %.3f, "p95_ms": %.3f}\n',
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
