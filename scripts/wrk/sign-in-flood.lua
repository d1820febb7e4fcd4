-- wrk: wrong-password sign-ins with a fresh email each; at the end one line of the
-- answers' statuses, for scripts/attack.sh.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  counts = {}
  n = 0
end
function request()
  n = n + 1
  local body = string.format('{"email":"guess-%d-%d@example.com","password":"not the password"}', math.random(1e9), n)
  return wrk.format("POST", "/api/session", {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do
    table.insert(parts, string.format("%s: %d", status, count))
  end
  table.sort(parts)
  io.write(string.format("RESULT %d sign-ins (%s)\n", summary.requests, table.concat(parts, ", ")))
end
