/* 共育 site search on the static site (Pagefind, sharded).
   Parents type sentences, not keywords, so the query is handled before Pagefind sees it:
   - segmented the way the index was (longest match over the site's vocabulary: the search
     vocabulary's user dictionary, synonyms and the words of the site's titles and problems);
   - filler words dropped (孩子, 怎么办, 如何… from the shared stopword list);
   - each word expanded with its synonyms (one concept = any word of its group), synonyms
     weighted below the parent's own word;
   - meaningful single characters (打, 骂, 哭, 吼) kept, ranked as optional next to longer words;
   - an unknown or compound word falls back to the known words inside it, then to its
     character bigrams (the recall floor);
   - ranked as search.backends.base.rank does: by the weighted share of the query a page
     contains (coverage), never all-or-nothing; pages containing none of the parent's words
     are dropped when others contain some; with no page containing every word the list is
     labelled 最接近的结果;
   - in a query of several words, an everyday word (天天, 觉得, 不管) counts less than a telling
     one, by search.analysis.informativeness computed at publish time (see informativeness()).
   Titles and problems weigh more than body text through data-pagefind-weight in the pages. */
(function () {
  "use strict";
  var form = document.getElementById("gy-search-form");
  if (!form) return;
  var input = document.getElementById("gy-search-q");
  var statusBox = document.getElementById("gy-search-status");
  var list = document.getElementById("gy-results");
  var filterBox = document.getElementById("gy-filters");
  /* Result summaries come from data-pagefind-meta; the hidden synonym terms never show. */
  var FILTERS = ["学段", "主题", "问题"];
  var KIND = { course: "家长课程", lesson: "五步教学法课", micro: "微课", studio: "名师工作室",
               problem: "家庭教育问题", topic: "课题" };
  var state = null;

  function normalise(text) { return (text.normalize ? text.normalize("NFKC") : text).toLowerCase().trim(); }

  function setup() {
    if (state) return state;
    state = fetch("/pagefind/site.json", { cache: "no-cache" }).then(function (r) { return r.json(); }).then(function (site) {
      var vocab = site.vocabulary;
      /* The kinds' labels from the one vocabulary (cms.core), when the publisher wrote them. */
      Object.keys(vocab.kinds || {}).forEach(function (k) { KIND[k] = vocab.kinds[k]; });
      var dict = new Set(vocab.words || []), stop = new Set(vocab.stopwords), syn = new Map();
      var maxLen = 1;
      vocab.synonyms.forEach(function (group) {
        group.forEach(function (w) { dict.add(w); syn.set(w, group); });
      });
      stop.forEach(function (w) { dict.add(w); });
      dict.forEach(function (w) { if (w.length > maxLen) maxLen = w.length; });
      return { shards: site.shards, pagefindReady: null, fs: vocab.fs || null, termFiles: new Map(), cardFiles: new Map(),
               dict: dict, stop: stop, syn: syn, maxLen: Math.min(maxLen, 8),
               gone: new Set(site.gone || []), shelves: vocab.shelves || [], size: vocab.size || 1000,
               buckets: vocab.buckets || 0, loaded: new Map(), general: new Set(),
               everydayRule: vocab.everyday_rule || null, everyday: new Map(), rarity: new Map() };
    });
    return state;
  }

  /* Pagefind (its runtime, the shards' metadata) only when a search needs it: filters, pages
     behind 「更多结果」 past a word's cut first-screen list, or a word the site has whose list
     reached no page. */
  function pagefindOf(ctx) {
    if (ctx.pagefindReady) return ctx.pagefindReady;
    var shards = ctx.shards;
    ctx.pagefindReady = import(shards[0] + "pagefind.js").then(function (pagefind) {
      return pagefind.options({ basePath: shards[0], excerptLength: 30,
                                ranking: { termSaturation: 1.0, termFrequency: 0.8, pageLength: 0.6 } }).then(function () {
        return Promise.all(shards.slice(1).map(function (s) { return pagefind.mergeIndex(s); }));
      }).then(function () { ctx.pagefind = pagefind; return pagefind; });
    });
    ctx.pagefindReady.catch(function () { ctx.pagefindReady = null; });
    return ctx.pagefindReady;
  }

  /* The word lists (pagefind/words/<n>.json, by first character) of the query's characters:
     a search fetches a few small lists, not the site's whole vocabulary. A list that cannot be
     read leaves its words unknown (they still match through their characters and bigrams). */
  function loadWords(ctx, text) {
    if (!ctx.buckets) return Promise.resolve();
    var wanted = new Set();
    Array.from(normalise(text)).forEach(function (ch) {
      if (/[\p{L}\p{N}]/u.test(ch)) wanted.add(ch.codePointAt(0) % ctx.buckets);
    });
    return Promise.all(Array.from(wanted).map(function (n) {
      if (!ctx.loaded.has(n)) {
        ctx.loaded.set(n, fetch("/pagefind/words/" + n + ".json", { cache: "no-cache" }).then(function (r) {
          return r.ok ? r.json() : [];
        }).then(function (lists) {
          /* w: the site's words; g: everyday words, used only to cut the question (今天/天气):
             a cut-out everyday word is searched like an unknown one (its parts, its bigrams). */
          var add = function (w) { ctx.dict.add(w); if (w.length > ctx.maxLen && w.length <= 8) ctx.maxLen = w.length; };
          (Array.isArray(lists) ? lists : lists.w || []).forEach(add);
          (lists.g || []).forEach(function (w) { add(w); ctx.general.add(w); });
          /* i: how much each everyday word counts; c/r: characters by general rarity, in hundredths,
             each after the first as the step from the one before (informativeness()). */
          Object.keys(lists.i || {}).forEach(function (w) { ctx.everyday.set(w, lists.i[w]); });
          var chars = Array.from(lists.c || ""), r = 0;
          chars.forEach(function (ch, k) { r += (lists.r || [])[k] || 0; ctx.rarity.set(ch, r / 100); });
        }, function () { ctx.loaded.delete(n); }));
      }
      return ctx.loaded.get(n);
    }));
  }

  /* How much a query word counts next to the others (search.analysis.informativeness, as the
     server's rank() uses it): the publisher's own figure for every word the browser can cut as one
     (site words, synonyms, everyday words; a word it lists without one counts 1); any other word
     (a run of characters no list holds, 天天打, 不爱) as the server weighs a word jieba lacks, by its
     characters' general rarity on average — rarity ≤ low counts floor, ≥ high counts 1, linear
     between (the numbers come with site.json). ASCII words count as telling. */
  function informativeness(ctx, word) {
    var rule = ctx.everydayRule;
    if (!rule) return 1;   /* a site published before the weights */
    if (ctx.everyday.has(word)) return ctx.everyday.get(word);
    if (ctx.dict.has(word) || /^[\x00-\x7f]+$/.test(word)) return 1;
    var chars = Array.from(word), sum = 0;
    chars.forEach(function (ch) { sum += ctx.rarity.has(ch) ? ctx.rarity.get(ch) : rule.unknown; });
    var share = (sum / Math.max(1, chars.length) - rule.low) / (rule.high - rule.low);
    return Math.min(1, Math.max(rule.floor, share));
  }

  /* In a query of several words each concept's weight is also × its word's informativeness,
     in the words' score and in the coverage, as rank() does (a single word: unchanged); on the
     Pagefind path also in the concept's title/problems boost (judge()), the server's field weight
     being part of the concept's score there: as a share of the most telling word's (which keeps
     its whole boost), so a page with the telling word in its title is not pulled down. */
  function weighEveryday(ctx, concepts) {
    concepts.forEach(function (c) { c.everyday = concepts.length > 1 ? informativeness(ctx, c.word) : 1; });
    var most = Math.max.apply(null, concepts.map(function (c) { return c.everyday; }));
    concepts.forEach(function (c) { c.weight = c.weight * c.everyday; c.boost = c.everyday / most; });
  }

  /* Longest match, left to right; runs of unknown characters stay together as one word. */
  function segment(ctx, text) {
    var words = [];
    normalise(text).split(/[^\p{L}\p{N}]+/u).forEach(function (chunk) {
      if (!chunk) return;
      if (/^[\x00-\x7f]+$/.test(chunk)) { if (!ctx.stop.has(chunk)) words.push({ w: chunk, known: true }); return; }
      var i = 0, unknown = "";
      var flush = function () { if (unknown) { words.push({ w: unknown, known: false }); unknown = ""; } };
      while (i < chunk.length) {
        var found = null;
        for (var len = Math.min(ctx.maxLen, chunk.length - i); len >= 2; len--) {
          var piece = chunk.substr(i, len);
          if (ctx.dict.has(piece)) { found = piece; break; }
        }
        if (found && ctx.general.has(found) && !ctx.stop.has(found)) {
          /* An everyday word only stops a site word from being matched across it (今天天气 is
             not 今/天天/气); it stays part of the unknown run around it (汽车保养多少钱). */
          unknown += found;
          i += found.length;
        } else if (found) {
          flush();
          if (!ctx.stop.has(found)) words.push({ w: found, known: true });
          i += found.length;
        } else {
          var ch = chunk.charAt(i);
          if (ctx.stop.has(ch)) flush(); else unknown += ch;
          i += 1;
        }
      }
      flush();
    });
    var long = words.some(function (x) { return x.w.length > 1; });
    var seen = new Set();
    return words.filter(function (x) {
      if (seen.has(x.w)) return false;
      seen.add(x.w);
      x.optional = long && x.w.length < 2 && !/^[\x00-\x7f]+$/.test(x.w);
      return true;
    });
  }

  /* The site's known words inside a word (红烧肉 has none; 钢琴考级老师 has 老师; 时间管理 has 时间,
     管理); everyday words are not search terms of their own (汽车保养 falls back to bigrams). */
  function subWords(ctx, word) {
    var out = [];
    for (var i = 0; i < word.length; i++) {
      for (var len = Math.min(ctx.maxLen, word.length - i); len >= 2; len--) {
        var piece = word.substr(i, len);
        if (piece !== word && ctx.dict.has(piece) && !ctx.stop.has(piece) && !ctx.general.has(piece)) { out.push(piece); break; }
      }
    }
    return out;
  }

  function bigramsOf(word) {
    var out = [];
    for (var i = 0; i + 2 <= word.length; i++) out.push(word.substr(i, 2));
    return out;
  }

  function searchWords(ctx, words, filters, weight, into) {
    return Promise.all(words.map(function (w) {
      ctx.searched.push(w);
      return ctx.pagefind.search(w, { filters: filters }).then(function (res) {
        (res && res.results || []).forEach(function (r) {
          var s = r.score * weight;
          if (!into.has(r.id) || into.get(r.id).score < s) into.set(r.id, { result: r, score: s });
        });
      });
    }));
  }

  /* One concept: its word and synonyms; with no hit, the known words inside it, then its bigrams. */
  function searchConcept(ctx, term, filters) {
    var hits = new Map();
    var group = ctx.syn.get(term.w) || [term.w];
    var words = [term.w].concat(group.filter(function (w) { return w !== term.w; }));
    var concept = { word: term.w, words: words, hits: hits, fallback: false, optional: !!term.optional,
                    weight: term.optional ? 0.5 : 1 };
    return searchWords(ctx, words.slice(0, 1), filters, 1, hits).then(function () {
      /* Pages carry their synonyms as hidden terms, so the word alone usually finds them; the
         synonyms are searched too only when it finds little (each word costs index chunks). */
      if (hits.size >= SYNONYMS_BELOW) return null;
      return searchWords(ctx, words.slice(1), filters, 0.7, hits);
    }).then(function () {
      if ((term.known && hits.size >= SYNONYMS_BELOW) || term.w.length < 2 || /^[\x00-\x7f]+$/.test(term.w)) return concept;
      var pieces = term.w.length > 2 ? subWords(ctx, term.w) : [];
      /* Pagefind "finds" an unknown word through its single characters: those hits prove nothing. */
      if (!pieces.length && hits.size && term.known) return concept;
      if (!pieces.length) { pieces = bigramsOf(term.w); concept.grams = true; }
      concept.words = concept.words.concat(pieces);
      concept.pieces = pieces;
      if (!hits.size) concept.fallback = true;
      return searchWords(ctx, pieces, filters, 0.4, hits).then(function () { return concept; });
    });
  }

  var PAGE = 10;
  var SYNONYMS_BELOW = 5;
  /* A term file costs 1–3 KB: the first screen asks for a word's synonyms and parts while the
     word alone finds less than a screen. */
  var FS_SYNONYMS_BELOW = 10;
  /* A page's text (its Pagefind fragment, gzip 1–3 KB) is read only for the pages about to be
     shown: the first 10 candidates, then more only while fewer than 10 have survived the check,
     at most FIRST_CHECK (the depth the site checked before) for the first screen; 「更多结果」
     checks the next ones. Bytes of a first search then do not grow with the number of
     candidates (issue 17). */
  var FIRST_CHECK = 40;

  /* Candidates from Pagefind's own hits, before any page text is read: by how much of the query
     a page claims (concepts that found it, weighted by rarity), then by its Pagefind scores. */
  function prerank(ctx, concepts) {
    /* Coordination weighted by rarity, as on the server: a word few pages contain counts more. */
    concepts.forEach(function (c) { c.weight = c.weight * Math.log(1 + ctx.size / (1 + c.hits.size)); });
    weighEveryday(ctx, concepts);
    var pages = new Map();
    concepts.forEach(function (c) {
      /* Scores relative to the concept's best page, as on the server. */
      var top = 0;
      c.hits.forEach(function (hit) { if (hit.score > top) top = hit.score; });
      c.hits.forEach(function (hit, id) {
        var p = pages.get(id) || { result: hit.result, claimed: 0, score: 0 };
        p.claimed += c.weight; p.score += (top > 0 ? hit.score / top : 0) * c.weight;
        pages.set(id, p);
      });
    });
    var candidates = Array.from(pages.values()).sort(function (a, b) {
      return b.claimed - a.claimed || b.score - a.score;
    });
    var total = concepts.reduce(function (n, c) { return n + c.weight; }, 0) || 1;
    return { concepts: concepts, total: total, candidates: candidates, next: 0, kept: [], seen: new Set(),
             anchored: false, complete: false, checked: 0 };
  }

  /* Pagefind matches by word prefix and splits unknown words into characters (红烧肉 finds 吴晓红),
     so each candidate is checked: a concept counts only if one of its words is really in the page.
     A word in the title or the page's problems counts more (titles and problems rank first). */
  function judge(ctx, plan, p, d) {
    if (ctx.gone.has(d.url)) return null;  /* unpublished since its shard was built */
    var title = normalise((d.meta && d.meta.title) || "");
    var problems = normalise((d.meta && d.meta.problems) || "");
    var text = normalise(d.content || "");
    var covered = 0, anchored = false, partial = false, all = true, boost = 0;
    plan.concepts.forEach(function (c) {
      /* The page's own text decides (Pagefind may have cut it into other words than ours). */
      var found = c.words.filter(function (w) { return text.indexOf(w) >= 0 || title.indexOf(w) >= 0; });
      /* Bigrams alone count only when the page holds at least half of them (多动证 -> 多动). */
      if (found && c.grams && found.filter(function (w) { return c.pieces.indexOf(w) >= 0; }).length * 2 < c.pieces.length
          && !found.some(function (w) { return c.pieces.indexOf(w) < 0; })) found = [];
      if (!found || !found.length) { if (!c.optional) all = false; return; }
      var whole = found.some(function (w) { return !c.pieces || c.pieces.indexOf(w) < 0; });
      covered += whole ? c.weight : c.weight * 0.5;
      if (!c.optional && whole) anchored = true;
      if (!c.optional && !whole) partial = true;
      if (!whole && !c.optional) all = false;
      var own = c.words[0];  /* the parent's own word weighs more than a synonym */
      if (title.indexOf(own) >= 0) boost += 2 * c.boost;
      else if (found.some(function (w) { return title.indexOf(w) >= 0; })) boost += c.boost;
      else if (found.some(function (w) { return problems.indexOf(w) >= 0; })) boost += 0.5 * c.boost;
    });
    if (!anchored && !partial) return null;  /* only an optional single character (做): noise */
    var coverage = covered / plan.total;
    return { data: d, anchored: anchored, all: all, score: p.score * (1 + boost) * Math.pow(0.2 + coverage, 2) };
  }

  /* Check the next ``n`` candidates (one fragment each) and add the good ones, best first, after
     those already shown. Pages with a word the parent typed (or its synonym) come before pages
     found through bigrams only, which answer only when no page has one. */
  function check(ctx, plan, n) {
    var batch = plan.candidates.slice(plan.next, plan.next + n);
    plan.next += batch.length;
    plan.checked += batch.length;
    return Promise.all(batch.map(function (p) { return p.result.data(); })).then(function (datas) {
      var kept = [];
      batch.forEach(function (p, i) { var k = judge(ctx, plan, p, datas[i]); if (k) kept.push(k); });
      if (kept.some(function (k) { return k.anchored; })) {
        if (!plan.anchored) {  /* the bigram-only pages shown so far give way */
          plan.kept = plan.kept.filter(function (k) { return k.anchored; });
          plan.anchored = true;
        }
      }
      if (plan.anchored) kept = kept.filter(function (k) { return k.anchored; });
      if (kept.some(function (k) { return k.all; })) plan.complete = true;
      kept.sort(function (a, b) { return b.score - a.score; });
      /* A page edited since the last full build is in the hot shard and maybe still in a cold
         one: one result per address, the better one. */
      kept.forEach(function (k) {
        if (plan.seen.has(k.data.url)) return;
        plan.seen.add(k.data.url);
        plan.kept.push(k);
      });
      return plan;
    });
  }

  /* At least ``want`` checked results (or every candidate checked), reading at most ``limit``
     fragments on the way. */
  function fill(ctx, plan, want, limit) {
    var budget = plan.checked + limit;
    var step = function () {
      if (plan.kept.length >= want || plan.next >= plan.candidates.length || plan.checked >= budget) return plan;
      var n = Math.min(Math.max(want - plan.kept.length, 1), budget - plan.checked);
      return check(ctx, plan, n).then(step);
    };
    return Promise.resolve(step()).then(function () {
      plan.more = plan.next < plan.candidates.length;
      /* an estimate while candidates are left unchecked: those checked so far kept at this rate */
      var rate = plan.checked ? plan.kept.length / plan.checked : 1;
      plan.estimate = plan.kept.length + Math.round((plan.candidates.length - plan.next) * rate);
      return plan;
    });
  }

  /* Problem shelves and research topics (site.json) are results too, as in /api/search/: those
     containing every required word of the query (or its synonym), by title first. */
  function shelfResults(ctx, terms) {
    var required = terms.filter(function (t) { return !t.optional; });
    if (!required.length) return [];
    var out = [];
    ctx.shelves.forEach(function (e) {
      var title = normalise(e.t), text = title + " " + normalise(e.d);
      var inTitle = 0, ok = required.every(function (t) {
        var words = ctx.syn.get(t.w) || [t.w];
        if (words.some(function (w) { return title.indexOf(w) >= 0; })) { inTitle += 1; return true; }
        return words.some(function (w) { return text.indexOf(w) >= 0; });
      });
      if (ok) out.push({ entry: e, inTitle: inTitle });
    });
    out.sort(function (a, b) { return b.inTitle - a.inTitle; });
    return out.slice(0, 5).map(function (x) {
      var e = x.entry;
      return { data: { url: e.u, meta: { title: e.t, kind: e.k, summary: e.d } }, shelf: true };
    });
  }

  /* ---- The first screen (issue 17): pagefind/fs/, written at publish time (cms/publishing/
     firstscreen.py). Per term: how many pages have it (df) and its best pages with a score (title,
     problems, synonym terms, lead), in t/<fnv1a(term) % files>.json; result cards by page id in
     c/<id / per>.json. A first search fetches its words' term files and the cards it shows: its
     bytes do not grow with the catalogue. */
  function bucketOf(word, n) {
    var h = 2166136261;
    for (var ch of word) { h ^= ch.codePointAt(0); h = Math.imul(h, 16777619) >>> 0; }
    return h % n;
  }

  function fsFile(ctx, cache, path) {
    if (!cache.has(path)) {
      cache.set(path, fetch(path, { cache: "no-cache" }).then(function (r) { return r.ok ? r.json() : {}; }).catch(function () {
        cache.delete(path);
        return {};
      }));
    }
    return cache.get(path);
  }

  /* {word: [df, id, score, id, score…] or undefined} for the given words. */
  function fsTerms(ctx, words) {
    var wanted = Array.from(new Set(words));
    return Promise.all(wanted.map(function (w) {
      ctx.searched.push(w);
      return fsFile(ctx, ctx.termFiles, "/pagefind/fs/t/" + bucketOf(w, ctx.fs.files) + ".json").then(function (f) { return f[w]; });
    })).then(function (rows) {
      var out = new Map();
      wanted.forEach(function (w, i) { out.set(w, rows[i]); });
      return out;
    });
  }

  function fsCards(ctx, ids) {
    var per = ctx.fs.per || 8;
    return Promise.all(ids.map(function (id) {
      return fsFile(ctx, ctx.cardFiles, "/pagefind/fs/c/" + Math.floor(id / per) + ".json").then(function (f) { return f[id]; });
    }));
  }

  function cardData(card) {
    var meta = { title: card.t, kind: card.k, facts: card.f, summary: card.s };
    if (card.i) { meta.image = card.i[0]; meta.image_srcset = card.i[1]; meta.image_avif = card.i[2]; meta.image_webp = card.i[3]; }
    return { url: card.u, meta: meta };
  }

  /* One concept's pages from the term rows of its words: {id: best weighted score}, with how the
     page was found (its own word or a synonym: whole; pieces/bigrams: partial). */
  function fsHits(concept, rows, words, weight, kind) {
    words.forEach(function (w) {
      var row = rows.get(w);
      if (!row) return;
      if (kind !== "piece") concept.df = Math.max(concept.df, row[0]);
      if (row[0] > (row.length - 1) / 2) concept.truncated = true;
      for (var i = 1; i + 1 < row.length; i += 2) {
        var id = row[i], s = row[i + 1] * weight;
        var h = concept.hits.get(id);
        if (!h) { h = { score: 0, whole: false, pieces: new Set() }; concept.hits.set(id, h); }
        if (s > h.score) h.score = s;
        if (kind === "piece") h.pieces.add(w); else h.whole = true;
      }
    });
  }

  /* The query's concepts from the first-screen files: the parent's word first; its synonyms when
     it finds little; the known words inside it, then its bigrams, when it is unknown or finds
     little (as searchConcept does with Pagefind). */
  function fsConcepts(ctx, terms) {
    var concepts = terms.map(function (t) {
      var group = ctx.syn.get(t.w) || [t.w];
      return { term: t, word: t.w, words: [t.w].concat(group.filter(function (w) { return w !== t.w; })), hits: new Map(), df: 0,
               truncated: false, optional: !!t.optional, weight: t.optional ? 0.5 : 1, pieces: null, grams: false };
    });
    return fsTerms(ctx, concepts.map(function (c) { return c.term.w; })).then(function (rows) {
      concepts.forEach(function (c) { fsHits(c, rows, [c.term.w], 1, "own"); });
      var few = concepts.filter(function (c) { return c.hits.size < FS_SYNONYMS_BELOW && c.words.length > 1; });
      return fsTerms(ctx, [].concat.apply([], few.map(function (c) { return c.words.slice(1); }))).then(function (rows) {
        few.forEach(function (c) { fsHits(c, rows, c.words.slice(1), 0.7, "synonym"); });
      });
    }).then(function () {
      var split = concepts.filter(function (c) {
        var t = c.term;
        if ((t.known && c.hits.size >= FS_SYNONYMS_BELOW) || t.w.length < 2 || /^[\x00-\x7f]+$/.test(t.w)) return false;
        var pieces = t.w.length > 2 ? subWords(ctx, t.w) : [];
        if (!pieces.length && c.hits.size && t.known) return false;
        if (!pieces.length) { pieces = bigramsOf(t.w); c.grams = true; }
        c.pieces = pieces;
        c.words = c.words.concat(pieces);
        return true;
      });
      return fsTerms(ctx, [].concat.apply([], split.map(function (c) { return c.pieces; }))).then(function (rows) {
        split.forEach(function (c) { fsHits(c, rows, c.pieces, 0.4, "piece"); });
        return concepts;
      });
    });
  }

  /* Coordination over the query's concepts weighted by rarity, as on the server: the share of the
     query a page holds first, then its field scores relative to each concept's best page. Pages
     found through bigrams only answer when no page holds a word the parent typed; a page holding
     only an optional single character (做) is noise. */
  function fsPages(concepts, strict) {
    var pages = new Map();
    concepts.forEach(function (c) {
      var top = 0;
      c.hits.forEach(function (h) { if (h.score > top) top = h.score; });
      c.hits.forEach(function (h, id) {
        /* bigrams alone count only when the page holds at least half of them (多动证 -> 多动) */
        if (strict && !h.whole && c.grams && h.pieces.size * 2 < c.pieces.length) return;
        var p = pages.get(id) || { id: id, covered: 0, score: 0, anchored: false, partial: false, wholes: 0 };
        p.covered += h.whole ? c.weight : c.weight * 0.5;
        p.score += (top > 0 ? h.score / top : 0) * c.weight;
        if (!c.optional && h.whole) { p.anchored = true; p.wholes += 1; }
        if (!c.optional && !h.whole) p.partial = true;
        pages.set(id, p);
      });
    });
    return pages;
  }

  function fsRank(ctx, concepts) {
    var size = Math.max(ctx.fs.pages || ctx.size, 1);
    concepts.forEach(function (c) { c.weight = c.weight * Math.log(1 + size / (1 + c.df || 1)); });
    weighEveryday(ctx, concepts);
    var total = concepts.reduce(function (n, c) { return n + c.weight; }, 0) || 1;
    var pages = fsPages(concepts, true);
    /* A common word's list holds only its best pages, so two bigrams' lists may not meet
       (亲子阅读 -> 亲子, 阅读): then pages with one of them are the closest results. */
    if (!pages.size) pages = fsPages(concepts, false);
    var required = concepts.filter(function (c) { return !c.optional; }).length;
    var list = Array.from(pages.values()).filter(function (p) { return p.anchored || p.partial; });
    if (list.some(function (p) { return p.anchored; })) list = list.filter(function (p) { return p.anchored; });
    list.forEach(function (p) {
      p.all = p.wholes === required;
      p.rank = p.score * Math.pow(0.2 + p.covered / total, 2);
    });
    list.sort(function (a, b) { return b.rank - a.rank || a.id - b.id; });
    var complete = list.some(function (p) { return p.all; });
    var truncated = concepts.some(function (c) { return c.truncated && !c.optional; });
    /* an estimate while some word has more pages than its term file lists */
    var minDf = Math.min.apply(null, concepts.filter(function (c) { return !c.optional; }).map(function (c) { return c.df; }).concat([Infinity]));
    var counted = complete ? list.filter(function (p) { return p.all; }).length : list.length;
    return { list: list, complete: complete, truncated: truncated,
             estimate: truncated && isFinite(minDf) ? Math.max(list.length, complete ? Math.max(counted, minDf) : minDf) : list.length };
  }

  /* A plan over the first-screen list: cards are read for the results about to be shown.
     When no word's list was cut at its best K pages (``exact``), the list is every match: its
     count is exact and 「更多结果」 shows only the rest of it. Otherwise 「更多结果」 past its end
     goes on with Pagefind (pages past a term's best ones), never repeating a page already shown. */
  function fsPlan(ctx, terms, ranked) {
    var exact = !ranked.truncated;
    var plan = { kept: [], fsKept: [], candidates: ranked.list, next: 0, seen: new Set(), complete: ranked.complete,
                 more: ranked.list.length > 0 || !exact, exact: exact, estimate: ranked.estimate, deep: null,
                 deepDone: false, checked: 0 };
    /* ``deep``: go on with Pagefind past the list's end (「更多结果」, never the first screen) */
    plan.fill = function (want, deep) {
      var need = want - plan.kept.length;
      if (need <= 0) return Promise.resolve(plan);
      if (plan.next < plan.candidates.length) {
        var batch = plan.candidates.slice(plan.next, plan.next + need);
        plan.next += batch.length;
        plan.checked += batch.length;
        return fsCards(ctx, batch.map(function (p) { return p.id; })).then(function (cards) {
          cards.forEach(function (card) {
            if (!card || ctx.gone.has(card.u) || plan.seen.has(card.u)) {
              if (plan.exact) plan.estimate -= 1;   /* unpublished since, or a second copy */
              return;
            }
            plan.seen.add(card.u);
            plan.fsKept.push({ data: cardData(card) });
          });
          plan.kept = plan.fsKept.slice();
          plan.more = plan.next < plan.candidates.length || !plan.exact;
          return plan.fill(want, deep);
        });
      }
      if (plan.deepDone || plan.exact) { plan.more = false; return Promise.resolve(plan); }
      if (deep === false) return Promise.resolve(plan);
      var deep = plan.deep ? Promise.resolve(plan.deep) : pagefindPlan(ctx, terms, {}, plan.seen).then(function (d) {
        plan.deep = d;
        return d;
      });
      return deep.then(function (d) {
        return fill(ctx, d, want - plan.fsKept.length, PAGE * 3);
      }).then(function (d) {
        plan.kept = plan.fsKept.concat(d.kept);
        plan.deepDone = !d.more;
        plan.more = d.more;
        plan.estimate = plan.fsKept.length + d.estimate;
        return plan;
      });
    };
    return plan;
  }

  /* The Pagefind plan of the query's terms (deep text, filters, or no first-screen answer);
     ``seen``: pages already shown. */
  function pagefindPlan(ctx, terms, filters, seen) {
    return pagefindOf(ctx).then(function () {
      return Promise.all(terms.map(function (t) { return searchConcept(ctx, t, filters); }));
    }).then(function (concepts) {
      var plan = prerank(ctx, concepts);
      if (seen) plan.seen = seen;
      plan.fill = function (want) { return fill(ctx, plan, want, PAGE * 3); };
      return plan;
    });
  }

  /* {terms, shelves, plan}: ``plan.kept`` are the results so far, best first; more are read on
     demand (``plan.fill``). The first-screen files answer first; Pagefind when a filter is set,
     when they are missing, or when they find nothing. */
  function query(text, filters) {
    return setup().then(function (ctx) {
      return loadWords(ctx, text).then(function () { return ctx; });
    }).then(function (ctx) {
      var terms = segment(ctx, text);
      ctx.searched = [];  /* the words looked up (first-screen term files, or Pagefind) */
      var done = function (plan) {
        return { terms: terms.map(function (t) { return t.w; }), plan: plan, ctx: ctx,
                 shelves: Object.keys(filters).length ? [] : shelfResults(ctx, terms) };
      };
      var none = { kept: [], more: false, complete: true, estimate: 0, checked: 0,
                   fill: function () { return Promise.resolve(none); } };
      if (!terms.length) return done(none);
      var viaPagefind = function () {
        return pagefindPlan(ctx, terms, filters).then(function (plan) {
          return fill(ctx, plan, PAGE, FIRST_CHECK);
        }).then(done);
      };
      if (!ctx.fs || Object.keys(filters).length) return viaPagefind();
      return fsConcepts(ctx, terms).then(function (concepts) {
        var ranked = fsRank(ctx, concepts);
        /* Nothing: the first-screen files hold the same text Pagefind's copy does (title, metadata,
           synonyms, lead, the first 400 characters), so Pagefind is asked only when some word is
           on the site and its list did not reach the pages (a page past a term's best ones). */
        var known = concepts.some(function (c) { return !c.optional && c.hits.size; });
        if (!ranked.list.length) return known ? viaPagefind() : done(none);
        return fsPlan(ctx, terms, ranked).fill(PAGE, false).then(done);
      });
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function currentFilters() {
    var out = {};
    filterBox.querySelectorAll("select").forEach(function (s) { if (s.value) out[s.name] = s.value; });
    return out;
  }

  function showFilters(ctx, selected) {
    return pagefindOf(ctx).then(function (pagefind) { return pagefind.filters(); }).then(function (available) {
      filterBox.querySelectorAll("label").forEach(function (n) { n.remove(); });
      FILTERS.forEach(function (name) {
        var values = Object.keys(available[name] || {}).sort();
        if (!values.length) return;
        var label = el("label", {}, name + " ");
        var select = el("select", { name: name });
        select.appendChild(el("option", { value: "" }, "全部"));
        values.forEach(function (v) {
          var o = el("option", { value: v }, v);
          if (selected[name] === v) o.selected = true;
          select.appendChild(o);
        });
        select.addEventListener("change", function () { run(); });
        label.appendChild(select);
        filterBox.appendChild(label);
      });
      filterBox.hidden = false;
    });
  }

  /* A result's card picture, from the metas the page put in the index (no request but the
     thumbnail itself): AVIF/WebP/JPEG srcsets of /t/ files, lazy, with its size in the markup. */
  var PIC_SIZES = "(min-width: 45em) 240px, 7rem";
  function thumbs(value) {
    return typeof value === "string" && /^(\/t\/[0-9a-f]{2}\/[0-9a-f-]+\.(avif|webp|jpg) \d+w(, )?)+$/.test(value) ? value : "";
  }
  function resultPicture(meta) {
    /* Only the page's own picture (our metas come as a set): Pagefind would otherwise offer the
       first <img> of the page body, which may be another card's. */
    var src = thumbs(meta.image_srcset) && thumbs(meta.image + " 1w") ? meta.image : "";
    if (!src) return meta.kind === "course" || meta.kind === "lesson" || meta.kind === "micro"
      ? el("span", { "class": "gy-pic gy-pic--none", "aria-hidden": "true" }, "共育") : null;
    var picture = el("picture", { "class": "gy-pic" });
    ["avif", "webp"].forEach(function (type) {
      var set = thumbs(meta["image_" + type]);
      if (set) picture.appendChild(el("source", { type: "image/" + type, srcset: set, sizes: PIC_SIZES }));
    });
    /* The <img> gets its source only once it is in the page (arm): one given a src while still
       detached is fetched at once, lazy or not, as the JPEG, and then the AVIF as well. */
    var img = picture.appendChild(el("img", { loading: "lazy", decoding: "async", width: "320", height: "180", alt: "" }));
    img.gySrc = src;
    img.gySrcset = thumbs(meta.image_srcset);
    return picture;
  }
  function arm(li) {
    var img = li.querySelector("picture img");
    if (!img || !img.gySrc) return;
    if (img.gySrcset) { img.setAttribute("sizes", PIC_SIZES); img.setAttribute("srcset", img.gySrcset); }
    img.setAttribute("src", img.gySrc);
  }

  function resultItem(p) {
    var d = p.data, meta = d.meta || {};
    var li = el("li", { "class": "gy-result" });
    var pic = resultPicture(meta);
    if (pic) li.appendChild(pic); else li.classList.add("gy-result--text");
    var body = li.appendChild(el("div", { "class": "gy-result__body" }));
    var kind = meta.kind;
    if (KIND[kind]) body.appendChild(el("span", { "class": "gy-card__kind" }, KIND[kind]));
    var a = el("a", { href: d.url }, meta.title || d.url);
    body.appendChild(el("h3", {})).appendChild(a);
    if (meta.facts) body.appendChild(el("p", { "class": "gy-card__meta" }, meta.facts));
    if (meta.summary) body.appendChild(el("p", { "class": "gy-card__summary" }, meta.summary));
    return li;
  }

  /* 「找到 N 条结果」, or 最接近的结果 when no page holds every word the parent typed (as the API
     labels it); "约" while unchecked candidates are left (their count is estimated), never for a
     first-screen list that holds every match (``exact``: its count is the list's length). */
  function statusText(out) {
    var plan = out.plan;
    var n = out.shelves.length + (plan.more ? plan.estimate : plan.kept.length);
    var about = plan.more && !plan.exact ? "约 " : "";
    return plan.complete || out.shelves.length ? "找到" + (about || " ") + n + " 条结果"
      : "没有完全符合的结果。最接近的结果(" + about + n + " 条):";
  }

  var runId = 0;
  function run() {
    var text = input.value.trim();
    var filters = currentFilters();
    var params = new URLSearchParams();
    if (text) params.set("k", text);
    Object.keys(filters).forEach(function (k) { params.set(k, filters[k]); });
    history.replaceState(null, "", "?" + params.toString());
    var id = ++runId;
    list.textContent = "";
    document.querySelectorAll(".gy-more").forEach(function (b) { b.remove(); });
    document.body.removeAttribute("data-search-done");
    if (!text) { statusBox.textContent = "请输入要找的问题或关键词。"; return Promise.resolve(); }
    statusBox.textContent = "正在搜索…";
    return query(text, filters).then(function (out) {
      if (id !== runId) return;
      var plan = out.plan;
      if (!out.shelves.length && !plan.kept.length) {
        statusBox.textContent = "没有找到与「" + text + "」相关的课程。换个说法试试,或按问题、学段、主题浏览。";
        document.body.setAttribute("data-search-done", "1");
        return;
      }
      statusBox.textContent = statusText(out);
      var shown = 0;
      var more = el("button", { type: "button", "class": "gy-more" }, "更多结果");
      var all = function () { return out.shelves.concat(plan.kept); };
      var render = function () {
        var results = all();
        results.slice(shown, shown + PAGE).forEach(function (p) {
          var li = resultItem(p);
          list.appendChild(li);
          arm(li);
        });
        shown = Math.min(results.length, shown + PAGE);
        statusBox.textContent = statusText(out);
        if (shown >= results.length && !plan.more) more.remove();
        else if (!more.isConnected) list.after(more);
      };
      more.addEventListener("click", function () {
        more.disabled = true;
        document.body.removeAttribute("data-search-done");
        plan.fill(shown + PAGE - out.shelves.length).then(function () {
          if (id !== runId) return;
          more.disabled = false;
          render();
          document.body.setAttribute("data-search-done", "1");
        });
      });
      render();
      document.body.setAttribute("data-search-done", "1");
    }).catch(function (error) {
      statusBox.textContent = "搜索暂时不可用,请稍后再试。";
      document.body.setAttribute("data-search-done", "1");
      if (window.console) console.warn(error);
    });
  }

  window.gongyuSearch = function (text) {
    return query(text, {}).then(function (out) {
      var plan = out.plan;
      return { terms: out.terms, complete: plan.complete, total: plan.more ? plan.estimate : plan.kept.length,
               checked: plan.checked, searched: out.ctx.searched.slice(), shelves: out.shelves.map(function (p) { return p.data.url; }),
               urls: plan.kept.slice(0, 10).map(function (p) { return p.data.url; }) };
    });
  };

  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  var params = new URLSearchParams(location.search);
  input.value = params.get("k") || "";
  var wanted = {};
  FILTERS.forEach(function (f) { if (params.get(f)) wanted[f] = params.get(f); });
  /* Nothing is downloaded for search until the parent searches or opens the filters. */
  var opener = document.getElementById("gy-filter-open");
  var openFilters = function () {
    opener.hidden = true;
    return setup().then(function (ctx) { return showFilters(ctx, wanted); });
  };
  opener.addEventListener("click", openFilters);
  if (Object.keys(wanted).length) {
    openFilters().then(function () { if (input.value) run(); });
  } else if (input.value) {
    run();
  }
})();
