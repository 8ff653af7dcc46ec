-- wrk script: refresh-token rotation. Each thread holds a pool of refresh
-- tokens (every n-th line of the file given as the first argument, n the
-- thread count given as the second, and the client id as the third); a
-- request takes one from the pool and its answer puts the rotated one back,
-- so each connection walks its own family and no token is sent twice.

local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local pool = {}
local client_id = ""

function init(args)
  local n = tonumber(args[2] or "1")
  client_id = args[3] or ""
  local k = 0
  for line in io.lines(args[1]) do
    if k % n == (id or 0) then
      pool[#pool + 1] = line
    end
    k = k + 1
  end
end

function request()
  local token = table.remove(pool, 1) or ""
  return wrk.format("POST", "/oauth/token", { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "grant_type=refresh_token&client_id=" .. client_id .. "&refresh_token=" .. token)
end

function response(status, headers, body)
  local token = body:match('"refresh_token":"([a-z0-9]+)"')
  if token then
    pool[#pool + 1] = token
  end
end
