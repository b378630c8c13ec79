// The query page: YASGUI (vendored, static/yasgui/) wired to this server's /sparql.
// Configuration comes from the page (#query-config, JSON): endpoint, prefixes, base, root, examples.
// IRIs in results become links to their pages here (for what the graph mints) and show the
// resource's label, fetched from /sparql in one query per batch of new cells.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("query-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var labels = {};      // IRI -> label, or "" when it has none
  var asked = {};       // IRI -> true once a label query included it

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function localHref(iri) {
    if (iri.indexOf(config.base) === 0) return config.root + "/" + iri.slice(config.base.length);
    return /^https?:\/\//.test(iri) ? iri : null;  // never javascript: or data: links
  }

  function curie(iri) {
    for (var prefix in config.prefixes) {
      var ns = config.prefixes[prefix];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length) return prefix + ":" + iri.slice(ns.length);
    }
    return "<" + iri + ">";
  }

  // Table cells: an IRI is a link to its page, named by its CURIE until its label arrives.
  var Table = Yasgui.Yasr.plugins.table;
  class LabelledTable extends Table {
    getUriLinkFromBinding(binding) {
      var iri = binding.value, href = localHref(iri), text = labels[iri] || curie(iri);
      var title = escapeHtml(iri);
      if (!href) return "<span class='iri' title='" + title + "'>" + escapeHtml(text) + "</span>";
      var outside = href === iri;  // a page of another site opens apart, as YASGUI does
      return "<a class='iri' data-iri='" + title + "' title='" + title + "' href='" + escapeHtml(href) + "'" +
        (outside ? " target='_blank' rel='noopener noreferrer'" : "") + ">" + escapeHtml(text) + "</a>";
    }
  }
  Yasgui.Yasr.registerPlugin("table", LabelledTable);

  function fillLabels(root) {
    var links = root.querySelectorAll("a.iri[data-iri]");
    links.forEach(function (a) {
      var iri = a.getAttribute("data-iri");
      if (labels[iri] && a.textContent !== labels[iri]) a.textContent = labels[iri];
    });
    var wanted = [];
    links.forEach(function (a) {
      var iri = a.getAttribute("data-iri");
      if (!asked[iri] && wanted.length < 500 && wanted.indexOf(iri) < 0) wanted.push(iri);
    });
    if (!wanted.length) return;
    wanted.forEach(function (iri) { asked[iri] = true; });
    var query = "SELECT ?s ?label WHERE { VALUES ?s { " +
      wanted.map(function (iri) { return "<" + iri.replace(/[<>"{}|^`\\\s]/g, "") + ">"; }).join(" ") +
      " } { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?label } UNION " +
      "{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } " +
      "FILTER(LANG(?label) = \"\" || LANGMATCHES(LANG(?label), \"en\")) }";
    fetch(endpoint, {
      method: "POST",
      headers: {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
      body: query
    }).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.results.bindings.forEach(function (b) {
          if (!labels[b.s.value]) labels[b.s.value] = b.label.value;
        });
        root.querySelectorAll("a.iri[data-iri]").forEach(function (a) {
          var label = labels[a.getAttribute("data-iri")];
          if (label && a.textContent !== label) a.textContent = label;
        });
      }).catch(function () { /* labels are a nicety: CURIEs stay */ });
  }

  // Completion of concepts: after "medkg:", the concept API's search (typo-tolerant) offers CURIEs,
  // shown with their labels (Ctrl+Space, or as you type).
  var conceptPrefix = "medkg:";
  var conceptLabels = {};
  Yasgui.Yasqe.registerAutocompleter({
    name: "medkg-concepts",
    bulk: false,
    autoShow: true,
    isValidCompletionPosition: function (yasqe) {
      var token = yasqe.getCompleteToken();
      return token.string.indexOf(conceptPrefix) === 0 && token.string.length > conceptPrefix.length + 1;
    },
    get: function (yasqe, token) {
      var text = token.string.slice(conceptPrefix.length).replace(/[-_]/g, " ");
      return fetch(config.root + "/api/search?limit=20&q=" + encodeURIComponent(text),
                   {headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {hits: []}; })
        .then(function (data) {
          return data.hits.filter(function (h) { return h.concept.curie && h.concept.curie.indexOf(conceptPrefix) === 0; })
            .map(function (h) { conceptLabels[h.concept.curie] = h.concept.label; return h.concept.curie; });
        })
        .catch(function () { return []; });
    },
    postprocessHints: function (yasqe, hints) {
      hints.forEach(function (hint) {
        if (conceptLabels[hint.text]) hint.displayText = hint.text + "  (" + conceptLabels[hint.text] + ")";
      });
      return hints;
    }
  }, false);

  // Exactly these completers: YASGUI merges arrays by position, so list them in its defaults. Its
  // "class" and "property" completers would ask lov.linkeddata.es, another site.
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables", "medkg-concepts"];

  var element = document.getElementById("yasgui");
  var yasgui = new Yasgui(element, {
    requestConfig: {endpoint: endpoint, method: "POST"},
    copyEndpointOnNewTab: true,
    persistenceId: null,           // each visit starts from the examples, nothing kept in the browser
    populateFromUrl: true,         // a shared link (?query=...) opens that query
    endpointCatalogueOptions: {getData: function () { return [{endpoint: endpoint}]; }},
    yasqe: {value: config.examples[0].text, prefixCcApi: null,
            editorHeight: "320px"},
    yasr: {prefixes: config.prefixes, defaultPlugin: "table", pluginOrder: ["table", "response"]}
  });

  var observer = new MutationObserver(function () { fillLabels(element); });
  observer.observe(element, {childList: true, subtree: true});

  var select = document.getElementById("examples");
  select.addEventListener("change", function () {
    var example = config.examples[Number(select.value)];
    if (!example) return;
    var tab = yasgui.getTab();
    tab.setQuery(example.text);
    tab.getYasqe().query();
  });
  window.medkgYasgui = yasgui;  // for the console (and the browser tests)
  document.getElementById("query-page").setAttribute("data-ready", "true");
})();
