-- wrk: writes the click id of every redirect answered to "$IDS-<thread>", one per line, so a
-- bench can check each against the ledger; and the summary line of report.lua at the end.
-- Run from the repository's root (the bench scripts cd there).
dofile("scripts/wrk/report.lua")
local n = 0
setup = function(thread) n = n + 1; thread:set("id", n) end
init = function() out = io.open(os.getenv("IDS") .. "-" .. id, "w") end
response = function(status, headers, body)
  local location = headers["location"] or headers["Location"]
  if location then
    out:write(string.match(location, "click_id=(%w+)"), "\n")
    out:flush()
  end
end
