-- Test-only: lets tests put the server in the state "it took the request and will never answer"
-- at an exact point, instead of freezing the process after a delay that a fast machine wins; and
-- (at the end) cut answers short as a capped server would.
--   oxps_unanswered = { ["NODE ACTION"] = N }  -- answer N pubsub requests <ACTION node="NODE"/>, then none
--   oxps_hold_pings_after = { ["JID"] = N }    -- a session that sent N messages to JID gets no more ping answers
local limits = module:get_option("oxps_unanswered", {});
local hold_pings_after = module:get_option("oxps_hold_pings_after", {});
local counts = {};
local seen = setmetatable({}, { __mode = "k" }); -- one stanza may fire several of the events below
local sent = setmetatable({}, { __mode = "k" }); -- session -> { [jid] = messages sent }
local held = setmetatable({}, { __mode = "k" }); -- sessions whose pings are no longer answered

local function hold_pubsub(event)
	local stanza = event.stanza;
	if seen[stanza] then return; end
	seen[stanza] = true;
	local action = stanza.tags[1] and stanza.tags[1].tags[1];
	if not action or not action.attr.node then return; end
	local key = action.attr.node .. " " .. action.name;
	local limit = limits[key];
	if limit == nil then return; end
	counts[key] = (counts[key] or 0) + 1;
	if counts[key] > limit then return true; end -- taken, never answered
end

for _, kind in ipairs({ "self", "bare", "host" }) do
	module:hook("iq/" .. kind .. "/http://jabber.org/protocol/pubsub:pubsub", hold_pubsub, 1000);
end

module:hook("pre-message/bare", function(event)
	local to = event.stanza.attr.to;
	local limit = hold_pings_after[to];
	if limit == nil then return; end
	local counts_of = sent[event.origin] or {};
	sent[event.origin] = counts_of;
	counts_of[to] = (counts_of[to] or 0) + 1;
	if counts_of[to] >= limit then held[event.origin] = true; end
end, 1000);

module:hook("iq/host/urn:xmpp:ping:ping", function(event)
	if held[event.origin] then return true; end
end, 1000);

-- A service that answers a plain request for all of a node's items with only the first N, as a
-- server with a cap on answers would: oxps must notice and fetch the rest by id.
--   oxps_truncate_items = { ["NODE"] = N }      -- silently
--   oxps_truncate_items_rsm = { ["NODE"] = N }  -- saying so: an RSM <set/> with the full <count/>
-- Requests naming item ids or max_items are answered in full.
local filters = require "util.filters";
local truncate_silently = module:get_option("oxps_truncate_items", {});
local truncate_with_rsm = module:get_option("oxps_truncate_items_rsm", {});
local plain_requests = {}; -- iq id -> { limit, rsm }

local function note_plain_request(event)
	local stanza = event.stanza;
	if stanza.attr.type ~= "get" then return; end
	local pubsub = stanza:get_child("pubsub", "http://jabber.org/protocol/pubsub");
	local items = pubsub and pubsub:get_child("items");
	if not items or items.attr.max_items or items:get_child("item") then return; end
	local node = items.attr.node;
	local limit = truncate_silently[node] or truncate_with_rsm[node];
	if limit then plain_requests[stanza.attr.id] = { limit = limit, rsm = truncate_with_rsm[node] ~= nil }; end
end

for _, kind in ipairs({ "self", "bare", "host" }) do
	module:hook("iq/" .. kind .. "/http://jabber.org/protocol/pubsub:pubsub", note_plain_request, 2000);
end

local function truncate_answer(stanza)
	if type(stanza) ~= "table" or stanza.name ~= "iq" or stanza.attr.type ~= "result" then return stanza; end
	local request = plain_requests[stanza.attr.id];
	if not request then return stanza; end
	plain_requests[stanza.attr.id] = nil;
	local items = stanza:get_child("pubsub", "http://jabber.org/protocol/pubsub"):get_child("items");
	local total, kept = 0, 0;
	items:maptags(function (item)
		if item.name ~= "item" then return item; end
		total = total + 1;
		if kept >= request.limit then return nil; end
		kept = kept + 1;
		return item;
	end);
	if request.rsm then
		stanza:get_child("pubsub", "http://jabber.org/protocol/pubsub")
			:tag("set", { xmlns = "http://jabber.org/protocol/rsm" }):tag("count"):text(tostring(total)):up():up();
	end
	return stanza;
end

if next(truncate_silently) or next(truncate_with_rsm) then
	filters.add_filter_hook(function (session)
		if session.type == "c2s_unauthed" or session.type == "c2s" then filters.add_filter(session, "stanzas/out", truncate_answer); end
	end);
end
