// RankingOptions: the knobs of retrieval scoring, each with its default (tuned on the dev splits of
// ../shared/eval, see docs/QUALITY.md). Free of Xapian types so the facade can expose it.
#pragma once

namespace kefu {

struct RankingOptions {
  // Weight of Han bigrams relative to words: they back up ICU's segmentation. Default: 0.6.
  double bigram_weight = 0.6;
  // Weight of the aggregate (all questions) document relative to a question document. Default: 2.0.
  double aggregate_weight = 2.0;
  // Weight of a match in an entry's title/tags/body document relative to a question document. Default: 0.2.
  double body_weight = 0.2;
  // Weight of adjacent word pairs (phrase evidence, question documents only) relative to single
  // words; 0 turns them off. Default: 0.3.
  double pair_weight = 0.3;
  // Weight of the terms a synonym adds, relative to the question's own. Default: 0.8.
  double synonym_weight = 0.8;
  // Leave function words (the, my, 的, 吗...) out of queries that have other words. Default: true.
  bool drop_stop_words = true;
  // A term in more than this share of the entry bodies, and in more than body_common_min of them, is
  // not searched in the bodies (it still is in the questions): it is weak evidence there (BM25 idf
  // below ln 20 at the default share), and its long posting lists were most of the matcher's work at
  // 10k entries and more (docs/BENCHMARKS.md). 1 searches every term in the bodies. Default: 0.05.
  double body_common_share = 0.05;
  // The count below which every term is searched in the bodies, so a small knowledge base, whose
  // posting lists are all short, ranks by every body term. Default: 500.
  int body_common_min = 500;
  // A term in more than this share of the question documents, and in more than selective_min of
  // them, does not make a document a candidate: it only adds to the score of documents that hold a
  // rarer term of the question (Elasticsearch's cutoff_frequency). A question with no rarer term,
  // or whose rarer terms are in fewer documents than the hits wanted, searches every term. Such
  // terms' long posting lists were most of the matcher's work at 100k entries (docs/BENCHMARKS.md).
  // 1 makes every term a candidate term. Defaults: 0.005 (2,000 of the 400,000 question documents
  // of 100k entries), and 500, so that a term is narrowed only where it is in more than 500
  // questions (none of the evaluation sets' terms is: their figures are unchanged).
  double selective_share = 0.005;
  int selective_min = 500;
  // Documents fetched and fused by entry before the cut to the hits wanted. Default: 200.
  int pool = 200;
  // Weight of the classifier's log-probability (classifier.h) in an entry's score, per nat and in
  // units of the question's best lexical score: score = lexical + model_weight * best lexical *
  // max(0, 10 + ln(p / p of the classifier's best entry)); 0 ranks by the lexical score alone.
  // Used only when the generation has a classifier (ClassifierOptions::enabled). Default: 0.5.
  double model_weight = 0.5;
};

}  // namespace kefu
