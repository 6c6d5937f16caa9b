/* The query page of the Territoires d'industrie endpoint: YASGUI (vendored, see yasgui/README.md)
 * configured for this endpoint only.
 *
 * - requests go to the page's own /sparql URL, by POST (no other endpoint is offered);
 * - a tab for each of a handful of featured named queries (examples.json's "featured"), id
 *   "ex-<name>", with the query's text from /query-page/examples.json (which also gives the
 *   prefixes); every named query of /queries (JSON) is in the menu below the editor's header, and
 *   choosing one opens its tab (created then): the page no longer opens on a tab per query;
 * - a visitor's earlier example tabs that are not featured and that they did not edit are closed
 *   (the page once opened a tab per query);
 * - the prefixes are declared in the blank tab, known to the editor's autocompletion and used by
 *   the result table to abbreviate IRIs;
 * - autocompleters that call other hosts (Linked Open Vocabularies, prefix.cc) are off;
 * - YASGUI's persistence (localStorage) and permalinks (share button, URL read on load) are on.
 */
(function () {
  "use strict";

  var root = document.getElementById("yasgui");
  var status = document.getElementById("query-page-status");
  var list = document.getElementById("examples-list");
  var menu = document.getElementById("examples-menu");
  var count = document.getElementById("examples-count");
  var EXAMPLE_PREFIX = "ex-";
  var STORAGE_KEY = "tid-query-page-examples";
  var OFFLINE_COMPLETERS = ["property", "class"]; // both query lov.linkeddata.es

  function say(fr, en, state) {
    status.textContent = "";
    status.dataset.state = state || "ok";
    status.appendChild(document.createTextNode(fr + " "));
    if (en) {
      var span = document.createElement("span");
      span.lang = "en";
      span.textContent = "(" + en + ")";
      status.appendChild(span);
    }
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(url + ": HTTP " + r.status);
      return r.json();
    });
  }

  function defaultQuery(prefixes, names) {
    var lines = names.filter(function (p) { return prefixes[p]; }).map(function (p) {
      return "PREFIX " + p + ": <" + prefixes[p] + ">";
    });
    lines.push("");
    lines.push("SELECT ?territoire ?nom ?phase WHERE {");
    lines.push("  ?territoire a tid:TerritoireIndustrie ; rdfs:label ?nom ; tid:phase ?phase .");
    lines.push("}");
    lines.push("LIMIT 20");
    return lines.join("\n");
  }

  function readStored() {
    try { return JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "{}"); } catch (e) { return {}; }
  }

  function writeStored(texts) {
    try { window.localStorage.setItem(STORAGE_KEY, JSON.stringify(texts)); } catch (e) { /* private mode */ }
  }

  // A named query changed since the visitor's last visit: update its tab unless they edited it.
  function refresh(tab, before, after) {
    var json = tab.getPersistedJson();
    if (!json || !json.yasqe || json.yasqe.value !== before) return;
    if (tab.getYasqe && tab.getYasqe()) {
      tab.setQuery(after);
    } else {
      json.yasqe.value = after; // a tab not shown yet: its editor reads this when drawn
      tab.emit("change", tab, json);
    }
  }

  function describe(tabId, entry) {
    var anchor = document.getElementById("tab-" + tabId);
    if (anchor) anchor.title = entry.fr + " — " + entry.en;
  }

  // The tab of a named query, created the first time it is asked for.
  function openTab(yasgui, tabId, entry, text, requestConfig) {
    if (!yasgui.getTab(tabId)) {
      yasgui.addTab(false, { id: tabId, name: entry.name, yasqe: { value: text }, requestConfig: requestConfig });
      describe(tabId, entry);
    }
    yasgui.selectTabId(tabId);
  }

  function listItem(open, tabId, entry) {
    var li = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = entry.name;
    button.dataset.tab = tabId;
    button.addEventListener("click", function () {
      open();
      if (menu) menu.open = false;
      root.scrollIntoView({ behavior: "smooth", block: "start" });
    });
    li.appendChild(button);
    var fr = document.createElement("div");
    fr.lang = "fr";
    fr.textContent = entry.fr;
    li.appendChild(fr);
    var en = document.createElement("div");
    en.lang = "en";
    en.className = "en";
    en.textContent = entry.en;
    li.appendChild(en);
    if (entry.parameters && entry.parameters.length) {
      var params = document.createElement("div");
      params.className = "params";
      params.appendChild(document.createTextNode("Paramètres / parameters : "));
      entry.parameters.forEach(function (p, i) {
        if (i) params.appendChild(document.createTextNode(", "));
        var code = document.createElement("code");
        code.textContent = "?" + p.name + (p.default ? " = " + p.default : "");
        code.title = p.type + (p.doc ? " — " + p.doc : "");
        params.appendChild(code);
      });
      params.appendChild(document.createTextNode(" — "));
      var link = document.createElement("a");
      link.href = entry.url;
      link.textContent = "/queries/" + entry.name;
      params.appendChild(link);
      li.appendChild(params);
    }
    return li;
  }

  function start(catalogue, examples) {
    var Yasgui = window.Yasgui;
    var endpoint = new URL(root.dataset.endpoint, window.location.href).href;
    var prefixes = examples.prefixes || {};

    // Only completers that work without other hosts; the prefix list is the project's own.
    var yasqeDefaults = Yasgui.defaults.yasqe;
    yasqeDefaults.autocompleters = yasqeDefaults.autocompleters.filter(function (name) {
      return OFFLINE_COMPLETERS.indexOf(name) < 0;
    });
    yasqeDefaults.prefixCcApi = null;
    if (Yasgui.Yasqe && Yasgui.Yasqe.Autocompleters && Yasgui.Yasqe.Autocompleters.prefixes) {
      var completer = Yasgui.Yasqe.Autocompleters.prefixes;
      completer.get = function () {
        return Promise.resolve(Object.keys(prefixes).sort().map(function (p) { return p + ": <" + prefixes[p] + ">"; }));
      };
    }

    var requestConfig = { endpoint: endpoint, method: "POST" };
    var yasgui = new Yasgui(root, {
      requestConfig: requestConfig,
      copyEndpointOnNewTab: true,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
      persistenceId: "tid-query-page",
      populateFromUrl: true,
      autofocus: false,
      tabName: "Requête",
      yasqe: { value: defaultQuery(prefixes, examples.defaultPrefixes || ["tid", "rdfs"]) },
      yasr: { prefixes: prefixes, defaultPlugin: "table" }
    });

    var stored = readStored();
    var texts = examples.queries || {};
    var featured = examples.featured || [];
    var entries = catalogue.queries || [];
    var active = yasgui.persistentConfig && yasgui.persistentConfig.currentId ? yasgui.persistentConfig.currentId() : null;
    entries.forEach(function (entry) {
      var tabId = EXAMPLE_PREFIX + entry.name;
      var text = texts[entry.name];
      if (text === undefined) return;
      var tab = yasgui.getTab(tabId);
      var isFeatured = featured.indexOf(entry.name) >= 0;
      if (tab && !isFeatured && tabId !== active) {
        var json = tab.getPersistedJson();
        var value = json && json.yasqe ? json.yasqe.value : undefined;
        if (value === text || value === stored[entry.name]) {
          tab.close(); // an example tab of the page's earlier layout, unedited: back in the menu
          tab = null;
        }
      }
      if (!tab && isFeatured) {
        yasgui.addTab(false, { id: tabId, name: entry.name, yasqe: { value: text }, requestConfig: requestConfig });
      } else if (tab && stored[entry.name] !== undefined && stored[entry.name] !== text) {
        refresh(tab, stored[entry.name], text);
      }
      if (yasgui.getTab(tabId)) describe(tabId, entry);
      list.appendChild(listItem(function () { openTab(yasgui, tabId, entry, text, requestConfig); }, tabId, entry));
    });
    writeStored(texts);
    window.tidYasgui = yasgui;
    if (count) count.textContent = String(list.children.length);
    say("Prêt : " + featured.length + " exemples ouverts, " + entries.length + " requêtes nommées dans le menu.",
        featured.length + " examples open, " + entries.length + " named queries in the menu.");
    document.body.dataset.ready = "true";
  }

  if (!window.Yasgui) {
    say("L'éditeur YASGUI n'a pas pu être chargé.", "the YASGUI editor could not be loaded", "error");
    return;
  }
  Promise.all([getJSON(root.dataset.catalogue), getJSON(root.dataset.examples)])
    .then(function (answers) { start(answers[0], answers[1]); })
    .catch(function (error) {
      say("Erreur au chargement des exemples : " + error.message, "could not load the examples", "error");
      document.body.dataset.ready = "error";
    });
})();
