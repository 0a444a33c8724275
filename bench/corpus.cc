// The vocabularies, topics and templates of the synthetic corpora.
//
// Word frequencies in real FAQ text are Zipf-distributed and clustered by topic: a handful of
// function and domain words are everywhere, most words occur in a few entries about one subject.
// Drawing every word uniformly from a list of ~90 (this generator's first edition) put nearly every
// word in nearly every body, so every posting list was nearly the whole collection.
#include "bench/corpus.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string_view>
#include <unordered_set>

#include "kb/text/analyzer.h"

namespace kefu::bench {
namespace {

// The frequent head: real customer-service words.
const std::vector<std::string> kEnWords = {
    "order", "refund", "return", "shipping", "delivery", "package", "parcel", "tracking", "invoice",
    "receipt", "payment", "card", "credit", "debit", "coupon", "voucher", "discount", "account",
    "password", "email", "phone", "address", "membership", "points", "reward", "cancel", "change",
    "update", "exchange", "size", "colour", "warranty", "repair", "damaged", "missing", "late",
    "express", "standard", "international", "customs", "tax", "fee", "charge", "twice", "pending",
    "failed", "declined", "bank", "transfer", "wallet", "gift", "wrap", "store", "pickup", "locker",
    "courier", "label", "printer", "app", "notification", "language", "setting", "login", "code",
    "verification", "security", "profile", "subscription", "renewal", "plan", "trial", "upgrade",
    "downgrade", "battery", "charger", "cable", "screen", "laptop", "headphones", "shoes",
    "jacket", "shirt", "dress", "sofa", "lamp", "kettle", "blender", "mattress", "pillow", "towel",
    "stock", "restock", "preorder", "backorder", "price", "match", "promotion", "sale", "bundle"};
const std::vector<std::string> kEnVerbs = {"cancel", "change", "track", "return", "exchange", "pay",
                                           "update", "reset", "download", "redeem", "apply", "check",
                                           "replace", "renew", "close", "open", "find", "use"};
const std::vector<std::string> kEnFunction = {
    "the", "to", "you", "your", "a", "and", "of", "we", "is", "in", "for", "it", "can", "on", "be",
    "with", "if", "this", "will", "our", "or", "please", "not", "an", "at", "from", "by", "are",
    "have", "after", "before", "when", "as", "that", "may", "within", "days", "us", "any", "then"};
const std::vector<std::string> kHansWords = {
    "订单", "退款", "退货", "运费", "快递", "物流", "包裹", "发票", "收据", "付款", "银行卡", "信用卡",
    "优惠券", "折扣", "账号", "密码", "邮箱", "手机号", "地址", "会员", "积分", "取消", "修改", "更新",
    "换货", "尺码", "颜色", "保修", "维修", "损坏", "缺件", "延迟", "加急", "国际", "海关", "税费",
    "手续费", "扣款", "重复", "待处理", "失败", "拒绝", "转账", "钱包", "礼品", "包装", "门店", "自提",
    "快递柜", "标签", "软件", "通知", "语言", "设置", "登录", "验证码", "安全", "资料", "订阅", "续费",
    "套餐", "试用", "升级", "电池", "充电器", "数据线", "屏幕", "电脑", "耳机", "鞋子", "外套", "衬衫",
    "沙发", "台灯", "水壶", "床垫", "枕头", "毛巾", "库存", "预售", "价格", "促销", "活动", "组合"};
const std::vector<std::string> kHansVerbs = {"怎么", "如何", "能不能", "可以", "为什么", "在哪里"};
const std::vector<std::string> kHansFunction = {
    "的", "了", "您", "我们", "请", "在", "是", "和", "可以", "如果", "就", "也", "会", "后", "将",
    "已", "需要", "进行", "一个", "我", "都", "与", "及", "或", "等", "时", "内", "天", "不", "到"};
const std::vector<std::string> kHantWords = {
    "訂單", "退款", "退貨", "運費", "宅配", "物流", "包裹", "發票", "收據", "付款", "金融卡", "信用卡",
    "優惠券", "折扣", "帳號", "密碼", "信箱", "手機號碼", "地址", "會員", "點數", "取消", "修改", "更新",
    "換貨", "尺寸", "顏色", "保固", "維修", "損壞", "缺件", "延遲", "快速到貨", "國際", "海關", "稅金",
    "手續費", "扣款", "重複", "處理中", "失敗", "拒絕", "轉帳", "錢包", "禮品", "包裝", "門市", "超商取貨",
    "智取櫃", "標籤", "軟體", "推播", "語言", "設定", "登入", "驗證碼", "安全", "個人資料", "訂閱", "續約",
    "方案", "試用", "升級", "電池", "充電器", "傳輸線", "螢幕", "筆電", "耳機", "鞋子", "外套", "襯衫",
    "沙發", "檯燈", "水壺", "床墊", "枕頭", "毛巾", "庫存", "預購", "價格", "促銷", "活動", "組合"};
const std::vector<std::string> kHantVerbs = {"怎麼", "如何", "能不能", "可以", "為什麼", "在哪裡"};
const std::vector<std::string> kHantFunction = {
    "的", "了", "您", "我們", "請", "在", "是", "和", "可以", "如果", "就", "也", "會", "後", "將",
    "已", "需要", "進行", "一個", "我", "都", "與", "及", "或", "等", "時", "內", "天", "不", "到"};

// The Chinese tail is built from these characters: those written alike in both scripts, then those
// that differ, the same position in the last two strings being one character in Simplified and
// Traditional form.
constexpr std::string_view kHanBoth =
    "是在人大小中上下山水火木日月天地心手口目工石田白米土王生用文方同名年主全安定家好多少明品物分合利"
    "加取受收改放更最期本正此比信保修先光入公共其具出包化北南原去及反可右左各向告味和商因回城基境增士"
    "外夜夫失女如妙始姓子字存季官客室容宿密富封尚居屋展川州巧市希平幸序店度座式引形彩影待律得德必忙快"
    "念性息情想意感成我或所打找技投拉招拍持指按排接推提支政故效教料新旅族早易星春晚普景智暖曲服望朝未"
    "末材村林果枝架查校格案森植概次步武母每民永求江油治法注泳洋洗活流海消深清港游湖源演烈然照父片版牌"
    "牛特玉玩珍班球理瓶甜由申男界留略番病痛百皮直相省看真眼知短研破示社神票福私秋科秒程稍究空穿突窗立"
    "章童端竹笑符第等答策算管箱精糖素索紫美群羊老考者而耐肉肯育背能自至舞船良色花苦英茶草菜落血行街衣"
    "被要角解言警豆象走起超足路跑身辛近送退逃通速造道部都配酒醒重野量金雨雪零需青非革音首香高默鼓鼻";
constexpr std::string_view kHanSimplified =
    "们个这来时为说国过会对学经动长开关门问间见现电话语读写书车东马鸟鱼龙风飞气热难边远进还运连选设计"
    "认识让论证评词试详调谈请谢议记许讯订费货质购贵贸资单价优权机网线纸级组细终结给统续红绿蓝银铁钱错"
    "镜销锁页顺题颜额馆饭饮体头实宝万专业丝两严临举义乐习买卖产亲从仓众传伤儿兴决净减击创则刚办务劳势"
    "区医华协卫压厅县参双变号园围图场坏块声处备夺奋妈孙宁审宽导寻将层岁岛币师带帮广庆库应张强归录忆态"
    "怀总惊战户扩扫护报担择换损摆数断无旧显条构标树样档桥梦检楼欢残毕汉沟没泪洁浅测济浓润温湾满灯灵烟"
    "烦烧爱状独环画疗盖盘码确种积称笔简类紧纪约纯练织绍绝继维编罗职联脑脚脸节艺药营虑补装观规视览觉讨"
    "训讲访诉译误课谁负财责败贴贷赏赔赶转轮软轻载较辆输达违迟递遗邮针钢钥链锅键闭闻阅队阳阴阶际陆险随"
    "项顾预领频饰驾验鲜鸡黄齐内别";
constexpr std::string_view kHanTraditional =
    "們個這來時為說國過會對學經動長開關門問間見現電話語讀寫書車東馬鳥魚龍風飛氣熱難邊遠進還運連選設計"
    "認識讓論證評詞試詳調談請謝議記許訊訂費貨質購貴貿資單價優權機網線紙級組細終結給統續紅綠藍銀鐵錢錯"
    "鏡銷鎖頁順題顏額館飯飲體頭實寶萬專業絲兩嚴臨舉義樂習買賣產親從倉眾傳傷兒興決淨減擊創則剛辦務勞勢"
    "區醫華協衛壓廳縣參雙變號園圍圖場壞塊聲處備奪奮媽孫寧審寬導尋將層歲島幣師帶幫廣慶庫應張強歸錄憶態"
    "懷總驚戰戶擴掃護報擔擇換損擺數斷無舊顯條構標樹樣檔橋夢檢樓歡殘畢漢溝沒淚潔淺測濟濃潤溫灣滿燈靈煙"
    "煩燒愛狀獨環畫療蓋盤碼確種積稱筆簡類緊紀約純練織紹絕繼維編羅職聯腦腳臉節藝藥營慮補裝觀規視覽覺討"
    "訓講訪訴譯誤課誰負財責敗貼貸賞賠趕轉輪軟輕載較輛輸達違遲遞遺郵針鋼鑰鏈鍋鍵閉聞閱隊陽陰階際陸險隨"
    "項顧預領頻飾駕驗鮮雞黃齊內別";

// English pseudo-words: one to three syllables of onset, vowel and (sometimes) coda.
const char* const kOnsets[] = {"b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r",
                               "s", "t", "v", "w", "z", "br", "cr", "dr", "fl", "gr", "pl", "pr",
                               "sh", "st", "tr", "ch", "th"};
const char* const kVowels[] = {"a", "e", "i", "o", "u", "ai", "ea", "ou", "oo", "ie"};
const char* const kCodas[] = {"", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "ng", "x"};

// Sizes: the tail of each vocabulary, topics per language and words per topic.
constexpr size_t kTailWords = 8000;
constexpr size_t kTopics = 400;
constexpr size_t kTopicWords = 120;

// Uniform in [0, 1), from the top 53 bits (std::uniform_real_distribution differs between
// standard libraries; this does not).
double Uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

template <typename T>
void Shuffle(std::vector<T>& v, std::mt19937_64& rng) {  // Fisher-Yates: std::shuffle is not portable
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

// Ranks 0..n-1 with P(r) proportional to 1 / (r + 1)^exponent.
class Zipf {
 public:
  Zipf() = default;
  Zipf(size_t n, double exponent) {
    double total = 0;
    for (size_t r = 0; r < n; ++r) cdf_.push_back(total += 1.0 / std::pow(static_cast<double>(r + 1), exponent));
    for (double& c : cdf_) c /= total;
  }
  size_t operator()(std::mt19937_64& rng) const {
    size_t r = static_cast<size_t>(std::upper_bound(cdf_.begin(), cdf_.end(), Uniform(rng)) - cdf_.begin());
    return std::min(r, cdf_.size() - 1);
  }

 private:
  std::vector<double> cdf_;
};

std::vector<std::string> SplitHan(std::string_view s) {  // every character is three UTF-8 bytes
  std::vector<std::string> out;
  for (size_t i = 0; i + 3 <= s.size(); i += 3) out.emplace_back(s.substr(i, 3));
  return out;
}

// One language's words ranked by frequency (function words, the real domain words, then the
// generated tail), and its topics as ranked lists of tail word indexes.
struct Language {
  Locale locale;
  const std::vector<std::string>* question_words;
  std::vector<std::string> words;
  size_t head = 0;  // words[head, tail) are the real domain words
  size_t tail = 0;
  std::vector<std::vector<uint32_t>> topics;
  bool chinese = false;
  Zipf word_rank, head_rank, topic_rank;
};

std::vector<std::string> EnglishTail(std::mt19937_64& rng) {
  std::unordered_set<std::string> seen(kEnWords.begin(), kEnWords.end());
  seen.insert(kEnFunction.begin(), kEnFunction.end());
  seen.insert(kEnVerbs.begin(), kEnVerbs.end());
  std::vector<std::string> out;
  while (out.size() < kTailWords) {
    std::string w;
    size_t syllables = 1 + (rng() % 4 == 0 ? 0 : 1) + (rng() % 3 == 0 ? 1 : 0);
    for (size_t s = 0; s < syllables; ++s) {
      w += kOnsets[rng() % std::size(kOnsets)];
      w += kVowels[rng() % std::size(kVowels)];
      w += kCodas[rng() % std::size(kCodas)];
    }
    if (seen.insert(w).second) out.push_back(std::move(w));
  }
  return out;
}

// True when ICU's dictionary knows `word` (both scripts' forms) as one word: the analyser, with no
// bigrams, makes it a single Han word.
bool IsDictionaryWord(const Analyzer& analyzer, const std::string& word, ScriptHint hint) {
  std::vector<Token> tokens = analyzer.Analyze(word, hint);
  return tokens.size() == 1 && tokens[0].kind == TokenKind::kHanWord && tokens[0].begin == 0 &&
         tokens[0].end == word.size();
}

// The Chinese tail as character indexes, shared by both scripts: real words of two or three
// characters, made of characters that are themselves Zipf-distributed (a few are in many words, as
// in real text) and kept only when ICU's dictionary knows them in both scripts, so that the index
// sees words, as it would in real FAQs, rather than single characters (an unknown string is split
// into them). The vocabulary thus depends on ICU's dictionary (ICU 72 in Debian 12) besides the seed.
std::vector<std::vector<uint16_t>> ChineseTail(std::mt19937_64& rng, const std::vector<std::string>& simplified,
                                               const std::vector<std::string>& traditional) {
  AnalyzerOptions options;
  options.han_bigrams = false;
  Result<std::unique_ptr<Analyzer>> analyzer = Analyzer::Create(options);
  if (!analyzer.ok()) std::abort();
  const size_t characters = simplified.size();
  Zipf character_rank(characters, 0.7);
  std::vector<size_t> order(characters);  // which character has which rank
  for (size_t i = 0; i < characters; ++i) order[i] = i;
  Shuffle(order, rng);
  std::unordered_set<std::string> seen;
  std::vector<std::vector<uint16_t>> out;
  while (out.size() < kTailWords) {
    std::vector<uint16_t> w;
    size_t length = rng() % 10 < 7 ? 2 : 3;
    std::string hans, hant;
    for (size_t c = 0; c < length; ++c) {
      w.push_back(static_cast<uint16_t>(order[character_rank(rng)]));
      hans += simplified[w.back()];
      hant += traditional[w.back()];
    }
    if (seen.insert(hans).second && IsDictionaryWord(**analyzer, hans, ScriptHint::kSimplified) &&
        IsDictionaryWord(**analyzer, hant, ScriptHint::kTraditional)) {
      out.push_back(std::move(w));
    }
  }
  return out;
}

// Topics: half their words drawn by global frequency (frequent words recur across topics), half
// uniformly from the tail (each topic's own jargon), in an order that is the topic's own ranking.
void AddTopics(Language& lang, std::mt19937_64& rng) {
  size_t tail = lang.words.size() - lang.tail;
  Zipf tail_rank(tail, 1.0);
  for (size_t t = 0; t < kTopics; ++t) {
    std::unordered_set<uint32_t> in;
    std::vector<uint32_t> words;
    while (words.size() < kTopicWords) {
      size_t r = words.size() % 2 == 0 ? tail_rank(rng) : rng() % tail;
      auto index = static_cast<uint32_t>(lang.tail + r);
      if (in.insert(index).second) words.push_back(index);
    }
    Shuffle(words, rng);
    lang.topics.push_back(std::move(words));
  }
}

void AddSamplers(Language& lang) {
  lang.word_rank = Zipf(lang.words.size(), 1.0);
  lang.head_rank = Zipf(lang.tail - lang.head, 1.0);
  // Flatter within a topic: its first word would otherwise be one word in ten of every body.
  lang.topic_rank = Zipf(kTopicWords, 0.8);
}

std::vector<Language> MakeLanguages(uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);  // its own stream: the same for every corpus size
  std::vector<std::string> simplified = SplitHan(kHanBoth), traditional = simplified;
  for (const std::string& c : SplitHan(kHanSimplified)) simplified.push_back(c);
  for (const std::string& c : SplitHan(kHanTraditional)) traditional.push_back(c);
  if (simplified.size() != traditional.size()) std::abort();  // the two tables must stay aligned
  std::vector<std::vector<uint16_t>> han_tail = ChineseTail(rng, simplified, traditional);

  std::vector<Language> langs(3);
  const std::vector<std::string>* heads[] = {&kHansWords, &kHantWords, &kEnWords};
  const std::vector<std::string>* functions[] = {&kHansFunction, &kHantFunction, &kEnFunction};
  const std::vector<std::string>* questions[] = {&kHansVerbs, &kHantVerbs, &kEnVerbs};
  const Locale locales[] = {Locale::kZhHans, Locale::kZhHant, Locale::kEn};
  std::vector<std::string> en_tail = EnglishTail(rng);
  for (size_t l = 0; l < 3; ++l) {
    Language& lang = langs[l];
    lang.locale = locales[l];
    lang.chinese = l < 2;
    lang.question_words = questions[l];
    lang.words = *functions[l];
    lang.head = lang.words.size();
    lang.words.insert(lang.words.end(), heads[l]->begin(), heads[l]->end());
    lang.tail = lang.words.size();
    if (lang.chinese) {
      const std::vector<std::string>& chars = l == 0 ? simplified : traditional;
      std::unordered_set<std::string> seen(lang.words.begin(), lang.words.end());
      for (const auto& w : han_tail) {
        std::string word;
        for (uint16_t c : w) word += chars[c];
        if (seen.insert(word).second) lang.words.push_back(std::move(word));
      }
    } else {
      lang.words.insert(lang.words.end(), en_tail.begin(), en_tail.end());
    }
    AddTopics(lang, rng);  // each language its own topics (zh-Hans and zh-Hant are different FAQs)
    AddSamplers(lang);
  }
  return langs;
}

std::string Join(const std::vector<std::string>& words, const Language& lang) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty() && !lang.chinese) out += ' ';
    out += w;
  }
  return out;
}

// A body word: mostly from the whole vocabulary by frequency (function words most often), a quarter
// from the entry's topic, and the entry's own title words recur (answers name their subject).
const std::string& BodyWord(const Language& lang, const std::vector<uint32_t>& topic,
                            const std::vector<uint32_t>& title, std::mt19937_64& rng) {
  double u = Uniform(rng);
  if (u < 0.70) return lang.words[lang.word_rank(rng)];
  if (u < 0.95) return lang.words[topic[lang.topic_rank(rng)]];
  return lang.words[title[rng() % title.size()]];
}

// 50-400 words in sentences of 6-15 words, a comma every few words.
std::string Body(const Language& lang, const std::vector<uint32_t>& topic, const std::vector<uint32_t>& title,
                 std::mt19937_64& rng) {
  size_t length = 50 + rng() % 351;
  std::string out;
  size_t sentence = 0, sentence_length = 6 + rng() % 10;
  for (size_t k = 0; k < length; ++k) {
    const std::string& w = BodyWord(lang, topic, title, rng);
    if (sentence == 0 && !lang.chinese) {
      if (!out.empty()) out += ' ';
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
      out.append(w, 1);
    } else {
      if (!lang.chinese) out += ' ';
      out += w;
    }
    bool last = ++sentence == sentence_length || k + 1 == length;
    if (last) {
      out += lang.chinese ? "。" : ".";
      sentence = 0;
      sentence_length = 6 + rng() % 10;
    } else if (sentence % 5 == 0 && rng() % 2 == 0) {
      out += lang.chinese ? "，" : ",";
    }
  }
  return out;
}

}  // namespace

BenchCorpus GenerateCorpus(size_t entries, size_t queries, uint64_t seed) {
  const std::vector<Language> langs = MakeLanguages(seed);
  std::mt19937_64 rng(seed);
  BenchCorpus corpus;
  // Per entry, the content words of its title and of each alternative question, for the queries.
  std::vector<std::vector<std::vector<std::string>>> phrasings;
  for (size_t i = 0; i < entries; ++i) {
    const Language& lang = langs[i % 3];
    const std::vector<uint32_t>& topic = lang.topics[rng() % kTopics];
    Entry e;
    e.id = "bench-" + std::to_string(i);
    e.locale = lang.locale;
    // A question word and three or four content words, mostly the topic's (picked evenly, so titles
    // within a topic differ), sometimes a domain word.
    std::vector<uint32_t> title;
    size_t content_words = 3 + rng() % 2;
    while (title.size() < content_words) {
      uint32_t w = rng() % 4 == 0 ? static_cast<uint32_t>(lang.head + lang.head_rank(rng)) : topic[rng() % kTopicWords];
      if (std::find(title.begin(), title.end(), w) == title.end()) title.push_back(w);
    }
    std::vector<std::string> words;
    for (uint32_t w : title) words.push_back(lang.words[w]);
    const std::string& question_word = (*lang.question_words)[rng() % lang.question_words->size()];
    std::vector<std::string> with_question = {question_word};
    with_question.insert(with_question.end(), words.begin(), words.end());
    e.title = Join(with_question, lang);
    std::vector<std::vector<std::string>> own = {words};
    for (int q = 0; q < 3; ++q) {
      std::vector<std::string> variant = words;
      Shuffle(variant, rng);
      variant.push_back(lang.words[topic[lang.topic_rank(rng)]]);
      e.questions.push_back(Join(variant, lang));
      own.push_back(std::move(variant));
    }
    e.body = Body(lang, topic, title, rng);
    phrasings.push_back(std::move(own));
    corpus.entries.push_back(std::move(e));
  }
  for (size_t i = 0; i < queries && entries > 0; ++i) {
    size_t target = rng() % entries;
    const Language& lang = langs[target % 3];
    std::vector<std::string> words = phrasings[target][rng() % phrasings[target].size()];
    Shuffle(words, rng);
    words.resize(std::max<size_t>(2, words.size() - 1));  // customers leave words out
    words.push_back((*lang.question_words)[rng() % lang.question_words->size()]);
    corpus.queries.push_back({Join(words, lang), lang.locale, corpus.entries[target].id});
  }
  return corpus;
}

}  // namespace kefu::bench
