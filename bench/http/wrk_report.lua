-- Shared by lifecycle.lua and reads.lua (loaded with dofile from the same directory): the status
-- counts each wrk thread keeps, and the one summary line done() prints for run.sh to parse:
--   MINK_WRK {"script":"...","requests":N,"duration_s":S,"requests_per_s":R,"p50_ms":...,
--             "p99_ms":...,"max_ms":...,"non_2xx":N,"socket_errors":N,"statuses":{"200":N,...},...}
-- wrk's own "Non-2xx or 3xx responses" line counts only statuses >= 400; non_2xx here counts every
-- status outside 200-299.

report = {}

-- Thread side: call from init() and from response().
function report.init_thread()
  statuses = {}
  non_2xx = 0
  first_failure = ""
end

function report.count(status, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
    if first_failure == "" then
      first_failure = tostring(status) .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

-- Main side: done() of a script. `extra` is a table of further integer figures summed over the
-- threads (names of thread globals), e.g. {"orders_submitted"}.
local function json_string(s)
  return '"' .. string.gsub(s, '[%c"\\\128-\255]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

function report.done(script, threads, summary, latency, extra)
  local total_non_2xx = 0
  local merged = {}
  local sums = {}
  local failure = ""
  for _, name in ipairs(extra or {}) do sums[name] = 0 end
  for _, t in ipairs(threads) do
    total_non_2xx = total_non_2xx + (t:get("non_2xx") or 0)
    for status, n in pairs(t:get("statuses") or {}) do
      merged[status] = (merged[status] or 0) + n
    end
    for name, _ in pairs(sums) do sums[name] = sums[name] + (t:get(name) or 0) end
    local f = t:get("first_failure") or ""
    if failure == "" then failure = f end
  end
  local parts = {}
  for status, n in pairs(merged) do
    table.insert(parts, string.format('"%d":%d', status, n))
  end
  table.sort(parts)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local line = string.format(
    '{"script":"%s","requests":%d,"duration_s":%.3f,"requests_per_s":%.1f,"p50_ms":%.3f,' ..
    '"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"non_2xx":%d,"socket_errors":%d,"statuses":{%s}',
    script, summary.requests, seconds, seconds > 0 and summary.requests / seconds or 0,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, total_non_2xx, e.connect + e.read + e.write + e.timeout, table.concat(parts, ","))
  for _, name in ipairs(extra or {}) do
    line = line .. string.format(',"%s":%d', name, sums[name])
  end
  line = line .. ',"first_failure":' .. json_string(failure) .. "}"
  print("MINK_WRK " .. line)
end
