// The bot's flow: state from the transcript, search, DecideReply(), texts, one stored exchange.
#include "server/chat_service.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace kefu::server {
namespace {

// The customer-facing sentences, one row per locale.
struct Texts {
  const char* clarify;
  const char* queued;           // {ahead} {eta}
  const char* claimed;          // an agent has it
  const char* still_queued;     // {position} {eta}
  const char* no_entry_text;    // an answer whose body is empty
  const char* greeting;
  const char* thanks;
  const char* closed_idle;      // closing an idle conversation: asks for a rating
  const char* queued_email;     // out of hours, with an e-mail: {hours}
  const char* queued_later;     // out of hours, no e-mail: {day} {time} {eta}
  const char* weekdays[7];      // Monday first
};

constexpr Texts kZhHans = {
    "您想问的是下面哪一个问题？请点选一个，或者换个说法再问一次。",
    "已为您转接人工客服。您前面还有 {ahead} 位客户在等待，预计约 {eta} "
    "分钟内会有客服在这里回复您，请不要关闭对话。",
    "客服已经在处理您的问题，会在这里回复您，请稍候。",
    "您的问题已经在人工客服队列中（第 {position} 位，预计约 {eta} 分钟），客服会在这里回复您。",
    "请查看这篇帮助文章。",
    "您好！我是智能客服，请直接输入您的问题，例如“退货运费谁承担”。需要人工服务请输入“转人工”。",
    "不客气！还有其他问题随时问我。",
    "由于长时间没有新消息，本次对话已结束。请为本次服务打分（1-5 分），有新问题可以随时再问。",
    "已为您转接人工客服。现在是非工作时间，客服会在 {hours} 小时内通过电子邮件回复您。",
    "已为您转接人工客服。现在是非工作时间，客服将于{day} {time} 上班，预计约 {eta} "
    "分钟后在这里回复您。您也可以留下电子邮箱，我们会通过邮件回复。",
    {"周一", "周二", "周三", "周四", "周五", "周六", "周日"},
};
constexpr Texts kZhHant = {
    "您想問的是下面哪一個問題？請點選一個，或者換個說法再問一次。",
    "已為您轉接人工客服。您前面還有 {ahead} 位客戶在等待，預計約 {eta} "
    "分鐘內會有客服在這裡回覆您，請不要關閉對話。",
    "客服已經在處理您的問題，會在這裡回覆您，請稍候。",
    "您的問題已經在人工客服隊列中（第 {position} 位，預計約 {eta} 分鐘），客服會在這裡回覆您。",
    "請查看這篇幫助文章。",
    "您好！我是智慧客服，請直接輸入您的問題，例如「退貨運費誰負擔」。需要真人服務請輸入「轉人工」。",
    "不客氣！還有其他問題隨時問我。",
    "由於長時間沒有新訊息，本次對話已結束。請為本次服務評分（1-5 分），有新問題可以隨時再問。",
    "已為您轉接真人客服。現在是非營業時間，客服會在 {hours} 小時內透過電子郵件回覆您。",
    "已為您轉接真人客服。現在是非營業時間，客服將於{day} {time} 上班，預計約 {eta} "
    "分鐘後在這裡回覆您。您也可以留下電子郵件，我們會透過郵件回覆。",
    {"週一", "週二", "週三", "週四", "週五", "週六", "週日"},
};
constexpr Texts kEn = {
    "Which of these do you mean? Pick one, or ask again in other words.",
    "I've passed your conversation to our support team. {ahead} customer(s) are ahead of you; "
    "an agent should reply here in about {eta} minutes. Please keep this chat open.",
    "An agent is already looking at your question and will reply here.",
    "Your question is in our support queue (position {position}, about {eta} minutes); an agent "
    "will reply here.",
    "Please see this help article.",
    "Hello! I'm the virtual assistant. Type your question, for example \"who pays for return "
    "shipping\". Type \"agent\" to talk to a person.",
    "You're welcome! Ask me anything else at any time.",
    "This conversation was closed after a while without messages. How did we do? Please rate it "
    "from 1 to 5. You can ask a new question at any time.",
    "I've passed your conversation to our support team. We're outside business hours now; an "
    "agent will reply by e-mail within {hours} hours.",
    "I've passed your conversation to our support team. We're outside business hours now; agents "
    "are back on {day} at {time}, so expect a reply here in about {eta} minutes. You can also "
    "leave your e-mail address and we'll reply there.",
    {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
};

const Texts& TextsFor(Locale locale) {
  switch (locale) {
    case Locale::kZhHans: return kZhHans;
    case Locale::kZhHant: return kZhHant;
    case Locale::kEn: return kEn;
  }
  return kZhHans;
}

std::string Fill(std::string text, std::string_view key, std::string_view value) {
  const std::string placeholder = "{" + std::string(key) + "}";
  for (size_t at; (at = text.find(placeholder)) != std::string::npos;) {
    text.replace(at, placeholder.size(), value);
  }
  return text;
}
std::string Fill(std::string text, std::string_view key, int64_t value) {
  return Fill(std::move(text), key, std::to_string(value));
}
// "1000+" for a number that is only a lower bound (a queue longer than the store counts).
std::string AtLeast(int64_t value, bool at_least) { return std::to_string(value) + (at_least ? "+" : ""); }

// The bot answers whose entry the customer marked not helpful (helpful: false) afterwards: the
// latest answer at or before the feedback, with the feedback's entry when it names one.
std::set<int> UnhelpfulAnswers(const std::vector<Turn>& turns,
                               const std::vector<Feedback>& feedback) {
  std::set<int> seqs;
  for (const Feedback& f : feedback) {
    if (!f.helpful || *f.helpful) continue;
    for (auto it = turns.rbegin(); it != turns.rend(); ++it) {
      if (it->role == TurnRole::kBot && it->reply_type == "answer" &&
          it->created_ms <= f.created_ms && (f.entry_id.empty() || f.entry_id == it->entry_id)) {
        seqs.insert(it->seq);
        break;
      }
    }
  }
  return seqs;
}

// Failed bot turns right before a new free-text message: clarifies the customer answered with
// another question instead of a choice, and answers marked not helpful. A hand-off or any other
// answer ends the run.
int FailedTurnsBefore(const std::vector<Turn>& turns, const std::vector<Feedback>& feedback) {
  const std::set<int> unhelpful = UnhelpfulAnswers(turns, feedback);
  int failed = 0;
  bool next_is_message = true;  // the message being handled is free text
  for (auto it = turns.rbegin(); it != turns.rend(); ++it) {
    if (it->role == TurnRole::kCustomer) {
      next_is_message = it->reply_type != "choice";
      continue;
    }
    if (it->role == TurnRole::kAgent) break;
    if ((it->reply_type == "clarify" && next_is_message) ||
        (it->reply_type == "answer" && unhelpful.count(it->seq) > 0)) {
      ++failed;
      continue;
    }
    break;
  }
  return failed;
}

// The customer's last real question before this message, for a bare "转人工": the agent and the
// suggestion loop need the question, not the request for a person.
std::string PreviousQuestion(const std::vector<Turn>& turns) {
  for (auto it = turns.rbegin(); it != turns.rend(); ++it) {
    if (it->role == TurnRole::kCustomer && it->reply_type == "message" && !AsksForHuman(it->text)) {
      return it->text;
    }
  }
  return "";
}

std::string CandidatesJson(const std::vector<SearchHit>& hits) {
  nlohmann::json out = nlohmann::json::array();
  for (const SearchHit& h : hits) {
    out.push_back({{"entry_id", h.id}, {"title", h.title}, {"confidence", h.confidence}});
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

TranscriptTurn MakeTranscriptTurn(const Turn& t) {
  TranscriptTurn out;
  out.seq = t.seq;
  out.role = std::string(TurnRoleName(t.role));
  out.text = t.text;
  out.type = t.reply_type;
  out.created_ms = t.created_ms;
  if (!t.entry_id.empty()) out.entry_id = t.entry_id;
  if (t.role == TurnRole::kBot) {
    out.confidence = t.confidence;
    out.reason = t.reason;
  }
  if (t.role == TurnRole::kAgent) out.agent = t.reason;
  return out;
}

HandoffItem MakeHandoffItem(const Handoff& h) {
  HandoffItem item;
  item.id = h.id;
  item.conversation_id = h.conversation_id;
  item.question = h.question;
  item.candidates_json = h.candidates_json;
  item.reason = h.reason;
  item.priority = h.priority;
  item.locale = h.locale;
  item.customer_id = h.customer_id;
  item.customer_tier = h.customer_tier;
  item.team = h.team;
  item.status = std::string(HandoffStatusName(h.status));
  item.agent = h.agent;
  item.note = h.note;
  item.created_ms = h.created_ms;
  item.claimed_ms = h.claimed_ms;
  item.resolved_ms = h.resolved_ms;
  return item;
}

ChatService::ChatService(const KnowledgeBase& kb, Store& store, ChatOptions options)
    : kb_(kb), store_(store), options_(std::move(options)) {}

int64_t ChatService::NowMs() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ChatHandoff ChatService::HandoffStatusFor(const Handoff& handoff, Locale locale, bool has_email,
                                          int64_t now) {
  ChatHandoff out;
  out.id = handoff.id;
  out.status = std::string(HandoffStatusName(handoff.status));
  const Texts& texts = TextsFor(locale);
  if (handoff.status != HandoffStatus::kOpen) {
    out.message = texts.claimed;
    return out;
  }
  const Result<QueuePosition> position = store_.PositionOf(handoff);
  const int ahead = position.ok() ? position->ahead : 0;
  out.at_least = position.ok() && position->at_least;
  out.position = ahead + 1;
  out.eta_minutes = std::max(options_.min_eta_minutes, options_.minutes_per_handoff * ahead);
  out.message = Fill(Fill(texts.queued, "ahead", AtLeast(ahead, out.at_least)), "eta",
                     AtLeast(out.eta_minutes, out.at_least));
  if (IsOpen(options_.hours, now)) return out;

  // Out of hours the queue only starts moving at the next opening.
  out.out_of_hours = true;
  const int64_t opening = NextOpeningMs(options_.hours, now);
  out.eta_minutes += static_cast<int>((opening - now + 59'999) / 60'000);
  if (has_email) {
    out.reply_by = "email";
    out.message = Fill(texts.queued_email, "hours", options_.email_reply_hours);
  } else {
    out.message = Fill(Fill(Fill(texts.queued_later, "day",
                                 texts.weekdays[LocalWeekday(options_.hours, opening)]),
                            "time", LocalTimeOfDay(options_.hours, opening)),
                       "eta", AtLeast(out.eta_minutes, out.at_least));
  }
  return out;
}

Result<bool> ChatService::CloseIfIdle(const Conversation& conversation, int64_t now) {
  if (options_.idle_close_ms <= 0 || conversation.status != ConversationStatus::kOpen ||
      now - conversation.updated_ms < options_.idle_close_ms) {
    return false;
  }
  Turn closing;
  closing.role = TurnRole::kBot;
  closing.reply_type = "closed";
  closing.reason = "idle";
  closing.text = TextsFor(ParseLocale(conversation.locale).value_or(Locale::kZhHans)).closed_idle;
  closing.created_ms = now;
  return store_.CloseIdleConversation(conversation.id, now - options_.idle_close_ms + 1, closing);
}

Result<int> ChatService::CloseIdleConversations() {
  if (options_.idle_close_ms <= 0) return 0;
  constexpr int kBatch = 100;
  constexpr int kMaxBatches = 100;  // a sweep stays short; the next one takes the rest
  const int64_t now = NowMs();
  int closed = 0;
  for (int batch = 0; batch < kMaxBatches; ++batch) {
    Result<std::vector<Conversation>> idle =
        store_.ListIdleConversations(now - options_.idle_close_ms + 1, kBatch);
    if (!idle.ok()) return idle.status();
    for (const Conversation& c : *idle) {
      Result<bool> done = CloseIfIdle(c, now);
      if (!done.ok()) return done.status();
      if (*done) ++closed;
    }
    if (static_cast<int>(idle->size()) < kBatch) break;
  }
  return closed;
}

Result<ChatResponse> ChatService::Chat(const ChatRequest& request) {
  const int64_t now = NowMs();
  Conversation conversation;
  std::vector<Turn> turns;
  if (!request.conversation_id.empty()) {
    Result<Conversation> found = store_.GetConversation(request.conversation_id);
    if (!found.ok()) return found.status();
    conversation = std::move(found).value();
    Result<std::vector<Turn>> stored = store_.ListTurns(conversation.id);
    if (!stored.ok()) return stored.status();
    turns = std::move(stored).value();
  }
  // An idle conversation is closed (asking for a rating) before this message starts a new one.
  if (!conversation.id.empty()) {
    Result<bool> closed_now = CloseIfIdle(conversation, now);
    if (!closed_now.ok()) return closed_now.status();
    if (*closed_now) conversation.status = ConversationStatus::kClosed;
  }
  if (!request.customer_id.empty()) conversation.customer_id = request.customer_id;
  if (!request.customer_tier.empty()) conversation.customer_tier = request.customer_tier;
  if (!request.customer_email.empty()) conversation.customer_email = request.customer_email;

  // The conversation's locale unless the request names one; detected by the search otherwise.
  std::optional<Locale> locale = request.locale;
  if (!locale && !conversation.locale.empty()) locale = ParseLocale(conversation.locale);

  DialogState state;
  // A closed conversation starts afresh: the earlier turns no longer count.
  const bool closed = conversation.status == ConversationStatus::kClosed;
  state.handed_off = conversation.status == ConversationStatus::kHandedOff;
  if (!closed && request.choice.empty() && !turns.empty()) {
    Result<std::vector<Feedback>> feedback = store_.ListFeedback(conversation.id);
    if (!feedback.ok()) return feedback.status();
    state.failed_turns = FailedTurnsBefore(turns, *feedback);
  }
  if (closed) conversation.status = ConversationStatus::kOpen;

  DialogInput input;
  input.message = request.message;
  input.customer_tier = conversation.customer_tier;
  std::vector<SearchHit> hits;
  std::optional<EntryDetail> chosen;
  Locale reply_locale = locale.value_or(Locale::kZhHans);
  std::string question = request.message;

  if (state.handed_off) {
    // No search: the person handling it answers.
  } else if (!request.choice.empty()) {
    Result<EntryDetail> entry = kb_.GetEntry(request.choice, locale, Audience::kPublic);
    if (!entry.ok() && entry.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no such entry to choose");
    }
    if (!entry.ok()) return entry.status();
    chosen = std::move(entry).value();
    if (!locale) reply_locale = chosen->entry.locale;
    input.choice = DialogCandidate{chosen->entry.id, 1.0, chosen->entry.escalate};
    question = chosen->entry.title;
  } else if (SmallTalkOf(request.message) != SmallTalk::kNone) {
    // Nothing to search for: DecideReply greets back.
  } else {
    // After a bare "转人工" the agent's candidates come from the question asked before it.
    if (AsksForHuman(request.message)) {
      if (std::string previous = closed ? "" : PreviousQuestion(turns); !previous.empty()) {
        question = previous;
      }
    }
    SearchRequest search;
    search.query = question;
    search.locale = locale;
    search.audience = Audience::kPublic;
    search.limit = options_.search_limit;
    search.explain = request.explain;
    search.snippets = false;  // replies carry the answer itself
    Result<SearchResult> result = kb_.Search(search);
    if (result.ok()) {
      reply_locale = result->locale;
      hits = std::move(result->hits);
    } else if (result.status().code() != StatusCode::kInvalidArgument) {
      return result.status();
    }  // a message with no words to search for finds nothing: low confidence
    for (const SearchHit& h : hits) input.candidates.push_back({h.id, h.confidence, h.escalate});
  }
  conversation.locale = std::string(LocaleName(reply_locale));

  const DialogDecision decision = DecideReply(state, input, options_.dialog);
  const Texts& texts = TextsFor(reply_locale);

  ChatResponse response;
  ChatReply& reply = response.reply;
  reply.type = std::string(ReplyTypeName(decision.type));
  reply.reason = std::string(DialogReasonName(decision.reason));
  reply.confidence = decision.confidence;

  if (decision.type == ReplyType::kAnswer) {
    EntryDetail detail;
    if (chosen) {
      detail = *chosen;
    } else {
      Result<EntryDetail> entry = kb_.GetEntry(decision.entry_id, reply_locale, Audience::kPublic);
      if (!entry.ok()) return entry.status();
      detail = std::move(entry).value();
    }
    reply.text = detail.entry.body.empty() ? texts.no_entry_text : detail.entry.body;
    reply.entry_id = detail.entry.id;
    if (detail.entry.locale != reply_locale) {
      reply.converted_from = std::string(LocaleName(detail.entry.locale));
    }
    reply.sources.push_back(
        {detail.entry.id, detail.entry.title, std::string(LocaleName(detail.entry.locale))});
  } else if (decision.type == ReplyType::kClarify) {
    reply.text = texts.clarify;
    for (size_t i : decision.suggestions) reply.suggestions.push_back({hits[i].id, hits[i].title});
  } else if (decision.type == ReplyType::kGreeting) {
    reply.text = SmallTalkOf(request.message) == SmallTalk::kThanks ? texts.thanks : texts.greeting;
  }
  if (request.explain) {
    ChatExplain explain;
    explain.rule = decision.rule;
    explain.question = question;
    explain.locale = std::string(LocaleName(reply_locale));
    explain.answer_threshold = options_.dialog.answer_threshold;
    explain.clarify_threshold = options_.dialog.clarify_threshold;
    explain.failed_turns_before = state.failed_turns;
    for (const SearchHit& h : hits) {
      explain.candidates.push_back({h.id, h.title, h.score, h.confidence, h.matched_question,
                                    h.matched_terms, h.pinned, h.escalate});
    }
    response.explain = std::move(explain);
  }

  Exchange exchange;
  exchange.conversation = conversation;
  exchange.conversation.updated_ms = now;
  exchange.customer.role = TurnRole::kCustomer;
  exchange.customer.text = request.choice.empty() ? request.message : question;
  exchange.customer.reply_type = request.choice.empty() ? "message" : "choice";
  exchange.customer.entry_id = request.choice;
  exchange.customer.created_ms = now;
  exchange.bot.role = TurnRole::kBot;
  exchange.bot.reply_type = reply.type;
  exchange.bot.entry_id = reply.entry_id.value_or("");
  exchange.bot.confidence = reply.confidence;
  exchange.bot.reason = reply.reason;
  exchange.bot.created_ms = now;

  if (decision.new_handoff) {
    Handoff h;
    h.question = question;
    h.candidates_json = CandidatesJson(hits);
    h.reason = reply.reason;
    h.priority = decision.priority;
    h.locale = conversation.locale;
    h.customer_id = conversation.customer_id;
    h.customer_tier = conversation.customer_tier;
    const std::string category = chosen         ? chosen->entry.category
                                 : hits.empty() ? std::string()
                                                : hits.front().category;
    h.team = TeamFor(category, options_.teams, options_.default_team);
    h.created_ms = now;
    h.id = INT64_MAX;  // not stored yet: every open hand-off of its queue is ahead of it
    response.handoff =
        HandoffStatusFor(h, reply_locale, !conversation.customer_email.empty(), now);
    exchange.handoff = h;
    exchange.queue_webhook = options_.queue_handoff_webhook;
  } else if (decision.reason == DialogReason::kAlreadyHandedOff) {
    Result<Handoff> latest = store_.LatestHandoff(conversation.id);
    if (!latest.ok()) return latest.status();
    response.handoff =
        HandoffStatusFor(*latest, reply_locale, !conversation.customer_email.empty(), now);
    if (latest->status == HandoffStatus::kOpen && !response.handoff->out_of_hours) {
      response.handoff->message =
          Fill(Fill(texts.still_queued, "position",
                    AtLeast(response.handoff->position, response.handoff->at_least)),
               "eta", AtLeast(response.handoff->eta_minutes, response.handoff->at_least));
    }
  }
  if (response.handoff) reply.text = response.handoff->message;
  exchange.bot.text = reply.text;

  Result<ExchangeResult> stored = store_.RecordExchange(exchange);
  if (!stored.ok()) return stored.status();
  response.conversation_id = stored->conversation_id;
  if (exchange.handoff) response.handoff->id = stored->handoff_id;
  if (exchange.queue_webhook && options_.on_handoff) options_.on_handoff();
  return response;
}

Result<TranscriptResponse> ChatService::Transcript(std::string_view conversation_id) {
  Result<Conversation> conversation = store_.GetConversation(conversation_id);
  if (!conversation.ok()) return conversation.status();
  Result<std::vector<Turn>> turns = store_.ListTurns(conversation_id);
  if (!turns.ok()) return turns.status();
  TranscriptResponse out;
  out.id = conversation->id;
  out.locale = conversation->locale;
  out.status = std::string(ConversationStatusName(conversation->status));
  out.created_ms = conversation->created_ms;
  out.updated_ms = conversation->updated_ms;
  for (const Turn& t : *turns) out.turns.push_back(MakeTranscriptTurn(t));
  return out;
}

Result<HandoffListResponse> ChatService::ListHandoffs(HandoffStatus status, std::string_view team) {
  Result<std::vector<Handoff>> handoffs = store_.ListHandoffs(status, team);
  if (!handoffs.ok()) return handoffs.status();
  HandoffListResponse out;
  for (const Handoff& h : *handoffs) out.handoffs.push_back(MakeHandoffItem(h));
  return out;
}

Result<HandoffItem> ChatService::Claim(int64_t id, std::string_view agent) {
  Result<Handoff> claimed = store_.ClaimHandoff(id, agent, NowMs());
  if (!claimed.ok()) return claimed.status();
  return MakeHandoffItem(*claimed);
}

Result<HandoffItem> ChatService::Resolve(int64_t id, std::string_view agent, std::string_view note,
                                         std::string_view entry_id) {
  if (!entry_id.empty()) {
    Result<EntryDetail> entry = kb_.GetEntry(entry_id, std::nullopt, Audience::kInternal);
    if (!entry.ok()) {
      if (entry.status().code() == StatusCode::kNotFound) {
        return Status::NotFound("no entry '" + std::string(entry_id) + "'");
      }
      return entry.status();
    }
  }
  Result<Handoff> resolved = store_.ResolveHandoff(id, agent, note, entry_id, NowMs());
  if (!resolved.ok()) return resolved.status();
  return MakeHandoffItem(*resolved);
}

Result<TranscriptTurn> ChatService::AgentMessage(int64_t id, std::string_view agent,
                                                 std::string_view text) {
  Result<Turn> turn = store_.AddAgentMessage(id, agent, text, NowMs());
  if (!turn.ok()) return turn.status();
  return MakeTranscriptTurn(*turn);
}

Status ChatService::AddFeedback(const Feedback& feedback) {
  if (!feedback.conversation_id.empty()) {
    Result<Conversation> conversation = store_.GetConversation(feedback.conversation_id);
    if (!conversation.ok()) return conversation.status();
  }
  Feedback stored = feedback;
  stored.created_ms = NowMs();
  return store_.AddFeedback(stored);
}

Result<SuggestionListResponse> ChatService::Suggestions() {
  constexpr int kMaxSuggestions = 500;
  Result<std::vector<Suggestion>> suggestions = store_.ListSuggestions(kMaxSuggestions);
  if (!suggestions.ok()) return suggestions.status();
  SuggestionListResponse out;
  for (const Suggestion& s : *suggestions) {
    out.suggestions.push_back({s.id, s.entry_id, s.question, s.handoff_id, s.created_ms});
  }
  return out;
}

Result<AgentSearchResponse> ChatService::AgentSearch(const SearchRequest& request) {
  SearchRequest internal = request;
  internal.audience = Audience::kInternal;
  Result<SearchResult> result = kb_.Search(internal);
  if (!result.ok()) return result.status();
  AgentSearchResponse out;
  out.query = request.query;
  out.locale = std::string(LocaleName(result->locale));
  out.confidence = result->confidence;
  for (const SearchHit& h : result->hits) {
    AgentSearchItem item;
    item.id = h.id;
    item.locale = std::string(LocaleName(h.locale));
    item.type = std::string(EntryTypeName(h.type));
    item.title = h.title;
    item.snippet = h.snippet;
    item.score = h.score;
    item.confidence = h.confidence;
    item.converted = h.converted;
    item.category = h.category;
    item.escalate = h.escalate;
    item.audience = "public";
    if (Result<EntryDetail> entry = kb_.GetEntry(h.id, h.locale, Audience::kInternal); entry.ok()) {
      item.audience = std::string(AudienceName(entry->entry.audience));
      item.internal_note = entry->entry.internal_note;
    }
    out.results.push_back(std::move(item));
  }
  return out;
}

Result<StatsResponse> ChatService::Stats(int64_t from_ms, int64_t to_ms) {
  constexpr int kMaxUnansweredRows = 5000;  // the newest; enough to rank the frequent ones
  constexpr size_t kTopQuestions = 20;
  Result<StoreStats> raw = store_.Stats(from_ms, to_ms, kMaxUnansweredRows);
  if (!raw.ok()) return raw.status();
  StatsResponse out;
  out.from_ms = from_ms;
  out.to_ms = to_ms;
  out.conversations = raw->conversations;
  out.deflected = raw->deflected;
  out.handed_off = raw->handed_off;
  out.abandoned = raw->abandoned;
  auto rate = [&](int64_t n) {
    return raw->conversations > 0 ? static_cast<double>(n) / raw->conversations : 0.0;
  };
  out.deflection_rate = rate(raw->deflected);
  out.handoff_rate = rate(raw->handed_off);
  for (const auto& [reason, count] : raw->handoffs_by_reason) {
    out.handoffs_by_reason[reason] = {count, rate(count)};
  }
  for (const auto& [type, count] : raw->replies_by_type) out.replies[type] = count;
  for (const StoreStats::Votes& v : raw->votes) {
    const int64_t total = v.helpful + v.not_helpful;
    out.helpful.push_back({v.entry_id, v.helpful, v.not_helpful,
                           total > 0 ? static_cast<double>(v.helpful) / total : 0.0});
  }
  out.ratings = raw->ratings;
  if (raw->ratings > 0) out.average_rating = raw->average_rating;
  if (const std::vector<int64_t>& d = raw->claim_delays_ms; !d.empty()) {
    const size_t mid = d.size() / 2;
    const double median_ms = d.size() % 2 == 1 ? d[mid] : (d[mid - 1] + d[mid]) / 2.0;
    out.median_seconds_to_claim = median_ms / 1000.0;
  }

  // The content-gap report: the same question however it was typed (script, width, punctuation).
  std::map<std::string, StatsQuestion> groups;
  std::map<std::string, std::set<std::string>> reasons;
  for (const StoreStats::Unanswered& u : raw->unanswered) {  // newest first
    const std::string key = kb_.QuestionKey(u.text);
    if (key.empty()) continue;
    StatsQuestion& g = groups[key];
    if (g.count == 0) {
      g.question = u.text;
      g.last_ms = u.created_ms;
    }
    ++g.count;
    g.max_confidence = std::max(g.max_confidence, u.confidence);
    reasons[key].insert(u.reason);
  }
  for (auto& [key, g] : groups) {
    g.reasons.assign(reasons[key].begin(), reasons[key].end());
    out.unanswered.push_back(std::move(g));
  }
  std::sort(out.unanswered.begin(), out.unanswered.end(),
            [](const StatsQuestion& a, const StatsQuestion& b) {
              if (a.count != b.count) return a.count > b.count;
              if (a.last_ms != b.last_ms) return a.last_ms > b.last_ms;
              return a.question < b.question;
            });
  if (out.unanswered.size() > kTopQuestions) out.unanswered.resize(kTopQuestions);
  return out;
}

}  // namespace kefu::server
