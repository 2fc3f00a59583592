// The Browse page: facet filters, free text and a year range over the compact index that the build
// writes (site_builder/render/browse.py), with live counts, and the filters kept in the address.
//
// Speed at 10,000 papers: one pass over the papers per keystroke computes the matches and every
// facet's counts at once, only the first PAGE_SIZE matching rows are put into the table, and the
// table has a fixed layout (site.css), so the browser does not measure every cell again.
(function () {
  "use strict";

  var PAGE_SIZE = 50;
  var FACETS = ["modality", "task", "method", "dimension", "venue"];
  var FACET_TITLES = { modality: "Modality", task: "Task", method: "Method family", dimension: "Dimension", venue: "Venue" };
  // Filter groups beyond the facets (a facet's group number is its index in FACETS).
  var TEXT = 5, YEARS = 6;
  // Yes/no filters, each a checkbox #medssl-<name> and a query parameter <name>=1; a flag's group
  // number is FLAG_GROUP + its index. `has` says whether a paper passes.
  var FLAG_GROUP = 7;
  var FLAGS = [
    { name: "code", has: function (paper) { return Boolean(paper.code); } },
    { name: "ref", has: function (paper) { return paper.refs > 0; } },
    { name: "weights", has: function (paper) { return paper.weights > 0; } },
    { name: "commercial", has: function (paper) { return paper.commercial > 0; } },
  ];
  var SITE_ROOT = new URL("../../", document.currentScript.src);
  var indexes = {}; // index address -> promise of the prepared data, kept across instant page loads

  // The same folding as site_builder/render/folding.py, which folded the index's text.
  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/\p{M}+/gu, "").replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }

  function prepare(raw) {
    var column = {};
    raw.columns.forEach(function (name, position) { column[name] = position; });
    var papers = raw.papers.map(function (row, order) {
      var paper = { order: order };
      raw.columns.forEach(function (name) { paper[name] = row[column[name]]; });
      paper.venue = [paper.venue]; // one venue, held like the list facets so one check serves all
      paper.code = /^https?:\/\//i.test(paper.code) ? paper.code : "";
      return paper;
    });
    var years = papers.map(function (paper) { return paper.year; });
    var collator = new Intl.Collator("en", { sensitivity: "base", numeric: true });
    var orders = { newest: papers, oldest: null, title: null };
    // The other orders are sorted when first asked for, not while the page starts.
    var sorters = {
      oldest: function () { return papers.slice().reverse(); },
      title: function () {
        return papers.slice().sort(function (a, b) { return collator.compare(a.title, b.title) || a.order - b.order; });
      },
    };
    return {
      facets: raw.facets,
      papers: papers,
      sorts: ["newest", "oldest", "title"],
      order: function (name) {
        if (!orders[name]) orders[name] = sorters[name]();
        return orders[name];
      },
      firstYear: years.length ? Math.min.apply(null, years) : 0,
      lastYear: years.length ? Math.max.apply(null, years) : 0,
    };
  }

  function loadIndex(address) {
    if (!indexes[address]) {
      indexes[address] = fetch(address).then(function (response) {
        if (!response.ok) throw new Error("cannot load " + address + ": " + response.status);
        return response.json();
      }).then(prepare);
    }
    return indexes[address];
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The state of the filters <-> the query string: ?q=..&modality=CT&task=segmentation&from=2019&to=2021&code=1&ref=1&sort=title
  function stateFromAddress(data, search) {
    var params = new URLSearchParams(search);
    var state = { q: params.get("q") || "", selected: {}, flags: {} };
    FLAGS.forEach(function (flag) { state.flags[flag.name] = params.get(flag.name) === "1"; });
    FACETS.forEach(function (facet) {
      var known = {};
      data.facets[facet].forEach(function (term, position) { known[term[0].toLowerCase()] = position; });
      state.selected[facet] = new Set();
      params.getAll(facet).forEach(function (value) {
        var position = known[value.toLowerCase()];
        if (position !== undefined) state.selected[facet].add(position);
      });
    });
    var from = parseInt(params.get("from"), 10), to = parseInt(params.get("to"), 10);
    state.from = isNaN(from) ? data.firstYear : Math.min(Math.max(from, data.firstYear), data.lastYear);
    state.to = isNaN(to) ? data.lastYear : Math.min(Math.max(to, data.firstYear), data.lastYear);
    state.sort = data.sorts.indexOf(params.get("sort")) !== -1 ? params.get("sort") : "newest";
    return state;
  }

  function addressFromState(data, state) {
    var params = new URLSearchParams();
    if (state.q.trim()) params.set("q", state.q.trim());
    FACETS.forEach(function (facet) {
      Array.from(state.selected[facet]).sort(function (a, b) { return a - b; }).forEach(function (position) {
        params.append(facet, data.facets[facet][position][0]);
      });
    });
    if (state.from !== data.firstYear) params.set("from", state.from);
    if (state.to !== data.lastYear) params.set("to", state.to);
    FLAGS.forEach(function (flag) { if (state.flags[flag.name]) params.set(flag.name, "1"); });
    if (state.sort !== "newest") params.set("sort", state.sort);
    var query = params.toString();
    return location.pathname + (query ? "?" + query : "") + location.hash;
  }

  // One pass: the matching papers (in the chosen order) and, for every facet and flag, how many
  // papers each option would give with the other filters unchanged.
  function apply(data, state) {
    var words = fold(state.q).split(" ").filter(Boolean);
    var selected = FACETS.map(function (facet) { return state.selected[facet]; });
    var counts = FACETS.map(function (facet) { return new Array(data.facets[facet].length).fill(0); });
    var flagCounts = {};
    var wantedFlags = FLAGS.filter(function (flag) { return state.flags[flag.name]; });
    FLAGS.forEach(function (flag) { flagCounts[flag.name] = 0; });
    var matches = [];
    var papers = data.order(state.sort);
    for (var i = 0; i < papers.length; i++) {
      var paper = papers[i];
      var failures = 0, failed = -1;
      for (var f = 0; f < FACETS.length && failures < 2; f++) {
        var wanted = selected[f];
        if (wanted.size === 0) continue;
        var values = paper[FACETS[f]], hit = false;
        for (var v = 0; v < values.length; v++) if (wanted.has(values[v])) { hit = true; break; }
        if (!hit) { failures++; failed = f; }
      }
      if (failures < 2 && (paper.year < state.from || paper.year > state.to)) { failures++; failed = YEARS; }
      for (var q = 0; q < wantedFlags.length && failures < 2; q++) {
        if (!wantedFlags[q].has(paper)) { failures++; failed = FLAG_GROUP + FLAGS.indexOf(wantedFlags[q]); }
      }
      if (failures < 2 && words.length) {
        for (var w = 0; w < words.length; w++) {
          if (paper.text.indexOf(words[w]) === -1) { failures++; failed = TEXT; break; }
        }
      }
      if (failures > 1) continue;
      if (failures === 0) matches.push(paper);
      for (var g = 0; g < FACETS.length; g++) {
        if (failures === 1 && failed !== g) continue;
        var own = paper[FACETS[g]];
        for (var k = 0; k < own.length; k++) counts[g][own[k]]++;
      }
      for (var h = 0; h < FLAGS.length; h++) {
        if ((failures === 0 || failed === FLAG_GROUP + h) && FLAGS[h].has(paper)) flagCounts[FLAGS[h].name]++;
      }
    }
    return { matches: matches, counts: counts, flagCounts: flagCounts };
  }

  // Writing only what changed spares the browser restyling ~60 unchanged counts per keystroke.
  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  // A cell with one line per label: narrow columns wrap between labels, never inside one.
  function labelCell(data, facet, positions) {
    var cell = element("td");
    positions.forEach(function (position) { cell.appendChild(element("span", "medssl-item", data.facets[facet][position][1])); });
    return cell;
  }

  function row(data, paper) {
    var tr = element("tr");
    tr.dataset.id = paper.id;
    var titleCell = element("td");
    var link = element("a", "", paper.title);
    link.href = new URL("papers/" + paper.id + "/", SITE_ROOT).pathname;
    titleCell.appendChild(link);
    if (paper.authors) {
      titleCell.appendChild(element("br"));
      titleCell.appendChild(element("small", "medssl-muted", paper.authors));
    }
    tr.appendChild(titleCell);
    tr.appendChild(element("td", "", String(paper.year)));
    ["venue", "modality", "task", "method"].forEach(function (facet) {
      tr.appendChild(labelCell(data, facet, paper[facet]));
    });
    var links = element("td", "medssl-browse__links");
    if (paper.code) {
      var code = element("a", "", "code");
      code.href = paper.code;
      code.rel = "noopener";
      links.appendChild(code);
    }
    if (paper.refs) {
      var reference = element("a", "", "runnable");
      reference.href = link.href + "#runnable-reference";
      reference.title = "A runnable reference implementation";
      links.appendChild(reference);
    }
    tr.appendChild(links);
    return tr;
  }

  function buildFacets(container, data) {
    var boxes = {};
    container.replaceChildren();
    FACETS.forEach(function (facet) {
      var terms = data.facets[facet];
      if (!terms.length) return;
      var group = element("fieldset", "medssl-facet medssl-facet--" + facet);
      group.appendChild(element("legend", "", FACET_TITLES[facet]));
      var list = element("div", "medssl-facet__options");
      boxes[facet] = terms.map(function (term, position) {
        var label = element("label", "medssl-facet__option");
        var box = element("input");
        box.type = "checkbox";
        box.name = facet;
        box.value = term[0];
        box.dataset.position = position;
        label.appendChild(box);
        label.appendChild(element("span", "medssl-facet__label", term[1]));
        var count = element("span", "medssl-count");
        count.dataset.facetCount = facet + ":" + term[0];
        label.appendChild(count);
        list.appendChild(label);
        return { box: box, count: count, label: label };
      });
      group.appendChild(list);
      container.appendChild(group);
    });
    return boxes;
  }

  function fillYears(select, data) {
    select.replaceChildren();
    for (var year = data.firstYear; year <= data.lastYear; year++) {
      var option = element("option", "", String(year));
      option.value = String(year);
      select.appendChild(option);
    }
  }

  function mount(root, data) {
    var form = root.querySelector("#medssl-filters");
    var text = root.querySelector("#medssl-q");
    var from = root.querySelector("#medssl-from");
    var to = root.querySelector("#medssl-to");
    var flagBoxes = {}, flagCountNodes = {};
    FLAGS.forEach(function (flag) {
      flagBoxes[flag.name] = root.querySelector("#medssl-" + flag.name);
      flagCountNodes[flag.name] = root.querySelector('[data-flag-count="' + flag.name + '"]');
    });
    var sort = root.querySelector("#medssl-sort");
    var count = root.querySelector("#medssl-count");
    var rows = root.querySelector("#medssl-rows");
    var more = root.querySelector("#medssl-more");
    var boxes = buildFacets(root.querySelector("#medssl-facets"), data);
    fillYears(from, data);
    fillYears(to, data);
    var state = stateFromAddress(data, location.search);
    var result = null;
    var shown = PAGE_SIZE;

    function showControls() {
      text.value = state.q;
      from.value = String(state.from);
      to.value = String(state.to);
      FLAGS.forEach(function (flag) { flagBoxes[flag.name].checked = state.flags[flag.name]; });
      sort.value = state.sort;
      FACETS.forEach(function (facet) {
        (boxes[facet] || []).forEach(function (option, position) { option.box.checked = state.selected[facet].has(position); });
      });
    }

    var rowsShown = []; // the papers in the table now: typing that keeps them leaves the table alone

    function showRows() {
      var wanted = result.matches.slice(0, shown);
      var same = wanted.length === rowsShown.length && wanted.every(function (paper, i) { return paper === rowsShown[i]; });
      if (!same) {
        var fragment = document.createDocumentFragment();
        wanted.forEach(function (paper) { fragment.appendChild(row(data, paper)); });
        rows.replaceChildren(fragment);
        rowsShown = wanted;
      }
      var rest = result.matches.length - shown;
      more.hidden = rest <= 0;
      if (rest > 0) more.textContent = "Show " + Math.min(rest, PAGE_SIZE) + " more of " + rest;
      // browse-export.js listens: it exports these matches and adds its selection boxes to the rows.
      root.dispatchEvent(new CustomEvent("medssl:view", { detail: { ids: result.matches.map(function (paper) { return paper.id; }), rows: rows } }));
    }

    function update() {
      result = apply(data, state);
      shown = PAGE_SIZE;
      count.textContent = result.matches.length.toLocaleString("en");
      count.dataset.count = String(result.matches.length);
      FACETS.forEach(function (facet, g) {
        (boxes[facet] || []).forEach(function (option, position) {
          setText(option.count, String(result.counts[g][position]));
          option.label.classList.toggle("is-empty", result.counts[g][position] === 0 && !option.box.checked);
        });
      });
      FLAGS.forEach(function (flag) { setText(flagCountNodes[flag.name], String(result.flagCounts[flag.name])); });
      showRows();
      history.replaceState(history.state, "", addressFromState(data, state));
      root.dataset.state = "ready";
    }

    function readControls(event) {
      var target = event.target;
      if (target === text) state.q = text.value;
      else if (target === from || target === to) {
        state.from = parseInt(from.value, 10);
        state.to = parseInt(to.value, 10);
        if (state.from > state.to) {
          // Keep the range valid: move the other end to meet the one just changed.
          if (target === from) state.to = state.from; else state.from = state.to;
          showControls();
        }
      } else if (flagBoxes[target.name] === target) {
        state.flags[target.name] = target.checked;
      } else if (target === sort) state.sort = sort.value;
      else if (target.dataset.position !== undefined) {
        var chosen = state.selected[target.name];
        var position = Number(target.dataset.position);
        if (target.checked) chosen.add(position); else chosen.delete(position);
      } else return;
      update();
    }

    form.addEventListener("input", readControls);
    sort.addEventListener("change", readControls);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function (event) {
      event.preventDefault();
      state = stateFromAddress(data, "");
      showControls();
      update();
    });
    more.addEventListener("click", function () {
      shown += PAGE_SIZE;
      showRows();
    });
    showControls();
    update();
  }

  function start() {
    var root = document.getElementById("medssl-browse");
    if (!root || root.dataset.state) return;
    root.dataset.state = "loading";
    loadIndex(new URL(root.dataset.index, location.href).href)
      .then(function (data) { mount(root, data); })
      .catch(function (error) {
        root.dataset.state = "failed";
        root.querySelector("#medssl-count").textContent = "The paper index could not be loaded (" + error.message + ").";
      });
  }

  // Material's instant loading swaps pages without reloading scripts; document$ says when.
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(start);
  else start();
})();
