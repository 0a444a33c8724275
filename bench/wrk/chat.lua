-- wrk: POST /api/v1/chat, a new conversation per request (a SQLite write each), with the
-- questions of MESSAGES (one JSON string literal per line).
local messages = {}
local counter = 0

function init(args)
  for line in io.lines(os.getenv("MESSAGES")) do messages[#messages + 1] = line end
  counter = math.random(#messages)
end

function request()
  counter = counter % #messages + 1
  return wrk.format("POST", "/api/v1/chat", {["Content-Type"] = "application/json"},
                    '{"message": ' .. messages[counter] .. '}')
end
