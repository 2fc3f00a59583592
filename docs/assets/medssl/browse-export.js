// Browse's exports: "Export this view" downloads exactly the papers that match the filters (all of
// them, not only the rows on screen), and a selection of ticked papers, kept in localStorage and
// shareable as an address (browse/#select=id,id), has the same exports.
//
// Nothing is formatted here. The build writes one file per format (site_builder/render/citation_exports.py)
// holding every paper's entry as the Python renderers wrote it, escaped as catalog.bib is; this
// script only joins the chosen entries: header + entries joined by the separator + footer.
// browse.js tells us what the view shows with a "medssl:view" event after every change.
(function () {
  "use strict";

  var EXPORTS = new URL("export/", document.currentScript.src);
  var STORAGE_KEY = "medssl-selection";
  var SHARE_PREFIX = "#select=";
  var PAPER_ID = /^[a-z0-9][a-z0-9-]*$/; // the schema's id pattern: nothing else enters the selection
  var files = {}; // format -> promise of its export file, fetched on the first export in that format
  var reloadSelection = null; // the Browse page on screen re-reads the stored selection with this

  function loadFormat(format) {
    if (!files[format]) {
      files[format] = fetch(new URL(format + ".json", EXPORTS).href).then(function (response) {
        if (!response.ok) throw new Error("cannot load the " + format + " export: " + response.status);
        return response.json();
      });
      files[format].catch(function () { delete files[format]; }); // a failed fetch is tried again next time
    }
    return files[format];
  }

  function compose(data, ids) {
    var entries = ids.filter(function (id) { return Object.prototype.hasOwnProperty.call(data.entries, id); })
      .map(function (id) { return data.entries[id]; });
    return data.header + entries.join(data.separator) + data.footer;
  }

  function download(text, name, type) {
    var url = URL.createObjectURL(new Blob([text], { type: type + ";charset=utf-8" }));
    var link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 0);
  }

  // The selection: paper ids in the order they were ticked, stored as a JSON list.
  function readStored() {
    try {
      var stored = JSON.parse(localStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(stored) ? stored.filter(function (id) { return typeof id === "string" && PAPER_ID.test(id); }) : [];
    } catch (error) {
      return []; // storage refused (private mode) or a value that is not ours
    }
  }

  function store(ids) {
    try { localStorage.setItem(STORAGE_KEY, JSON.stringify(ids)); } catch (error) { /* kept for this page only */ }
  }

  function sharedSelection(hash) {
    if (hash.indexOf(SHARE_PREFIX) !== 0) return null;
    var ids = decodeURIComponent(hash.slice(SHARE_PREFIX.length)).split(",");
    return ids.filter(function (id, position) { return PAPER_ID.test(id) && ids.indexOf(id) === position; });
  }

  function mount(root, panel) {
    var selected = readStored();
    var shared = sharedSelection(location.hash);
    if (shared) {
      // A shared address replaces the selection, then leaves the address so that later ticks are not undone on reload.
      selected = shared;
      store(selected);
      history.replaceState(history.state, "", location.pathname + location.search);
    }
    var view = [];
    var count = panel.querySelector("#medssl-selection-count");
    var noun = panel.querySelector("#medssl-selection-noun");
    var link = panel.querySelector("#medssl-selection-link");
    var clear = panel.querySelector("#medssl-selection-clear");
    var selectionButtons = panel.querySelectorAll('[data-export-scope="selection"]');

    function showSelection() {
      count.textContent = selected.length.toLocaleString("en");
      count.dataset.count = String(selected.length);
      noun.textContent = selected.length === 1 ? "paper" : "papers";
      link.href = location.pathname + location.search + SHARE_PREFIX + selected.map(encodeURIComponent).join(",");
      link.hidden = selected.length === 0;
      clear.disabled = selected.length === 0;
      selectionButtons.forEach(function (button) { button.disabled = selected.length === 0; });
      root.querySelectorAll("input.medssl-select").forEach(function (box) {
        box.checked = selected.indexOf(box.value) !== -1;
      });
    }

    function decorate(rows) {
      rows.querySelectorAll("tr[data-id]").forEach(function (row) {
        if (row.querySelector("input.medssl-select")) return;
        var box = document.createElement("input");
        box.type = "checkbox";
        box.className = "medssl-select";
        box.value = row.dataset.id;
        box.checked = selected.indexOf(row.dataset.id) !== -1;
        box.setAttribute("aria-label", "Select " + row.querySelector("a").textContent);
        row.firstElementChild.prepend(box);
      });
    }

    var viewButtons = panel.querySelectorAll('[data-export-scope="view"]');
    viewButtons.forEach(function (button) { button.disabled = true; }); // until browse.js has shown the view
    root.addEventListener("medssl:view", function (event) {
      view = event.detail.ids;
      viewButtons.forEach(function (button) { button.disabled = false; });
      decorate(event.detail.rows);
    });
    root.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.classList || !box.classList.contains("medssl-select")) return;
      var position = selected.indexOf(box.value);
      if (box.checked && position === -1) selected.push(box.value);
      if (!box.checked && position !== -1) selected.splice(position, 1);
      store(selected);
      showSelection();
    });
    clear.addEventListener("click", function () {
      selected = [];
      store(selected);
      showSelection();
    });
    panel.addEventListener("click", function (event) {
      var button = event.target.closest("[data-export-format]");
      if (!button) return;
      var scope = button.dataset.exportScope;
      var ids = scope === "view" ? view.slice() : selected.slice().sort();
      button.disabled = true;
      loadFormat(button.dataset.exportFormat).then(function (data) {
        download(compose(data, ids), "medssl-" + scope + "." + data.extension, data.media_type);
      }).catch(function (error) {
        panel.dataset.error = error.message;
        console.warn(error.message);
      }).then(function () {
        button.disabled = scope === "selection" && selected.length === 0;
      });
    });
    reloadSelection = function () {
      selected = readStored();
      showSelection();
    };
    showSelection();
    panel.hidden = false;
    panel.dataset.state = "ready";
  }

  function start() {
    var root = document.getElementById("medssl-browse");
    var panel = document.getElementById("medssl-export");
    if (!root || !panel || panel.dataset.state) return;
    mount(root, panel);
  }

  // Another tab changed the selection: show it here too.
  window.addEventListener("storage", function (event) {
    if (event.key === STORAGE_KEY && reloadSelection) reloadSelection();
  });

  // Material's instant loading swaps pages without reloading scripts; document$ says when.
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(start);
  else start();
})();
