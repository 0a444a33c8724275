-- wrk: GET /api/v1/search with the questions of QUERIES (one URL-encoded question per line),
-- each connection starting at its own offset so they do not all ask the same thing.
local queries = {}
local counter = 0

function init(args)
  for line in io.lines(os.getenv("QUERIES")) do queries[#queries + 1] = line end
  counter = math.random(#queries)
end

function request()
  counter = counter % #queries + 1
  return wrk.format("GET", "/api/v1/search?limit=10&q=" .. queries[counter])
end
