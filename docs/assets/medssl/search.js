// The header search box (overrides/partials/search.html). It searches the index the build writes
// (site_builder/render/search_index.py): every paper, topic, resource and page, with its fields
// already folded to lower-case words, so a query is a scan of short strings that takes a few
// milliseconds even over 10,000 papers. Results reuse Material's search-result classes.
(function () {
  "use strict";

  var MAX_SHOWN = 20;
  // Points for a query word by the field it starts a word in; a record must match every word.
  var WEIGHTS = [["title_words", 10], ["subtitle_words", 5], ["facets_words", 3], ["text_words", 1]];
  var PHRASE_IN_TITLE = 15; // the whole query, in order, in the title
  var EXACT_TITLE = 40;
  var KINDS = { paper: "Paper", foundations: "Foundations", modality: "Modality", task: "Task", method: "Method family", page: "Page" };
  // This file lives at <site>/assets/medssl/search.js, so the site root is two folders up. Taken from
  // the script's own address, it stays right under Material's instant page loading.
  var SITE_ROOT = new URL("../../", document.currentScript.src);
  var INDEX_URL = new URL("assets/medssl/search-index.json", SITE_ROOT).href;
  var records = null; // the promise of the loaded index

  function loadIndex() {
    if (!records) {
      records = fetch(INDEX_URL).then(function (response) {
        if (!response.ok) throw new Error("cannot load the search index (" + response.status + ")");
        return response.json();
      }).then(function (index) {
        return index.records.map(function (row, order) {
          var record = { order: order };
          index.columns.forEach(function (name, position) { record[name] = row[position]; });
          return record;
        });
      });
    }
    return records;
  }

  // The same folding as site_builder/render/folding.py: lower case, no accents, words joined by single spaces.
  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/\p{M}+/gu, "").replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }

  function search(all, query) {
    var words = fold(query).split(" ").filter(Boolean);
    if (!words.length) return [];
    var needles = words.map(function (word) { return " " + word; }); // a word must start where the needle does
    var phrase = " " + words.join(" ");
    var found = [];
    for (var i = 0; i < all.length; i++) {
      var record = all[i], score = 0;
      for (var w = 0; w < needles.length; w++) {
        var points = 0;
        for (var f = 0; f < WEIGHTS.length && !points; f++) {
          if (record[WEIGHTS[f][0]].indexOf(needles[w]) !== -1) points = WEIGHTS[f][1];
        }
        if (!points) { score = 0; break; }
        score += points;
      }
      if (!score) continue;
      if (words.length > 1 && record.title_words.indexOf(phrase) !== -1) score += PHRASE_IN_TITLE;
      if (record.title_words === phrase + " ") score += EXACT_TITLE;
      found.push({ score: score, record: record });
    }
    found.sort(function (a, b) {
      return b.score - a.score || b.record.year - a.record.year || a.record.order - b.record.order;
    });
    return found;
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  // Text as nodes, with <mark> around the starts of words that the query matched.
  function highlighted(text, words) {
    var nodes = [];
    if (!words.length) return [document.createTextNode(text)];
    var pattern = new RegExp("(?<![\\p{L}\\p{N}])(" + words.map(escapeRegExp).join("|") + ")", "giu");
    var last = 0, match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
      var mark = document.createElement("mark");
      mark.textContent = match[0];
      nodes.push(mark);
      last = match.index + match[0].length;
    }
    if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
    return nodes;
  }

  // About 30 words of `text`, from a little before its first match.
  function excerpt(text, words) {
    if (!text) return "";
    var at = -1;
    words.forEach(function (word) {
      var found = text.search(new RegExp("(?<![\\p{L}\\p{N}])" + escapeRegExp(word), "iu"));
      if (found !== -1 && (at === -1 || found < at)) at = found;
    });
    var start = Math.max(0, text.lastIndexOf(" ", Math.max(0, at - 60)));
    var piece = text.slice(start, start + 220);
    return (start > 0 ? "… " : "") + piece.trim() + (start + 220 < text.length ? " …" : "");
  }

  function resultItem(record, words) {
    var item = document.createElement("li");
    item.className = "md-search-result__item";
    var link = document.createElement("a");
    link.className = "md-search-result__link";
    link.href = new URL(record.url, SITE_ROOT).href;
    link.tabIndex = -1;
    var article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    var title = document.createElement("h1");
    highlighted(record.title, words).forEach(function (node) { title.appendChild(node); });
    var about = document.createElement("p");
    about.className = "medssl-search__about";
    about.textContent = [KINDS[record.kind] || record.kind.charAt(0).toUpperCase() + record.kind.slice(1), record.subtitle]
      .filter(Boolean).join(" · ");
    article.appendChild(title);
    article.appendChild(about);
    var text = excerpt(record.text, words);
    if (text) {
      var body = document.createElement("p");
      highlighted(text, words).forEach(function (node) { body.appendChild(node); });
      article.appendChild(body);
    }
    link.appendChild(article);
    item.appendChild(link);
    return item;
  }

  function setUp(box) {
    var toggle = document.getElementById("__search");
    var input = box.querySelector(".md-search__input");
    var form = box.querySelector("form");
    var list = box.querySelector(".md-search-result__list");
    var meta = box.querySelector(".md-search-result__meta");
    var idleText = meta.textContent;
    var latest = 0; // a slow first answer (index still loading) must not overwrite a later one

    function run() {
      var query = input.value;
      var ticket = ++latest;
      box.dataset.state = "searching";
      loadIndex().then(function (all) {
        if (ticket !== latest) return;
        var words = fold(query).split(" ").filter(Boolean);
        var found = search(all, query);
        list.replaceChildren.apply(list, found.slice(0, MAX_SHOWN).map(function (hit) { return resultItem(hit.record, words); }));
        meta.textContent = !words.length ? idleText
          : found.length === 0 ? "No results"
          : found.length === 1 ? "1 result"
          : found.length.toLocaleString("en") + " results" + (found.length > MAX_SHOWN ? ", the best " + MAX_SHOWN + " shown" : "");
        box.dataset.state = "ready";
      }).catch(function (error) {
        meta.textContent = "Search is unavailable: " + error.message;
        box.dataset.state = "failed";
      });
    }

    function open() {
      if (toggle && !toggle.checked) toggle.checked = true;
      loadIndex();
    }

    function close() {
      if (toggle) toggle.checked = false;
      input.blur();
    }

    function focusResult(step) {
      var links = Array.prototype.slice.call(list.querySelectorAll(".md-search-result__link"));
      if (!links.length) return;
      var index = links.indexOf(document.activeElement);
      var next = index === -1 ? (step > 0 ? 0 : links.length - 1) : (index + step + links.length) % links.length;
      links[next].focus();
    }

    input.addEventListener("focus", open);
    input.addEventListener("input", run);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var first = list.querySelector(".md-search-result__link");
      if (first) first.click();
    });
    form.addEventListener("reset", function () {
      setTimeout(function () { run(); input.focus(); }, 0);
    });
    if (toggle) {
      toggle.addEventListener("change", function () {
        if (toggle.checked) input.focus(); else input.blur();
      });
    }
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { close(); event.preventDefault(); }
      else if (event.key === "ArrowDown") { focusResult(1); event.preventDefault(); }
      else if (event.key === "ArrowUp") { focusResult(-1); event.preventDefault(); }
    });
    list.addEventListener("click", function (event) {
      if (event.target.closest("a")) close();
    });
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
      if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "/" || event.key === "s" || event.key === "f") {
        event.preventDefault();
        input.focus();
      }
    });
    // Fetch the index once the page is idle, so the first query rarely waits for it.
    (window.requestIdleCallback || function (callback) { setTimeout(callback, 500); })(function () {
      loadIndex().catch(function () { records = null; }); // a failure is reported when someone searches
    });
  }

  var box = document.querySelector("[data-medssl-search]");
  if (box) setUp(box);
})();
