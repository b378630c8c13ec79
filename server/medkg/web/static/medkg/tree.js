// The hierarchy tree of a concept page: a closed node opens by loading its children from
// /api/concepts/{id}/descendants?max_depth=1 (the concept API), once; then it toggles.
(function () {
  "use strict";
  var tree = document.querySelector("ul.tree[data-api]");
  if (!tree) return;
  var api = tree.getAttribute("data-api"), base = tree.getAttribute("data-base"), root = tree.getAttribute("data-root");

  function pageOf(iri) { return iri.indexOf(base) === 0 ? root + "/" + iri.slice(base.length) : null; }

  function item(concept) {
    var li = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "toggle";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("data-id", concept.curie || concept.iri);
    button.setAttribute("aria-label", "Show the narrower concepts of " + concept.label);
    button.textContent = "▸";
    li.appendChild(button);
    var href = pageOf(concept.iri);
    var name = document.createElement(href ? "a" : "span");
    if (href) name.href = href;
    name.textContent = concept.label;  // text only: labels never become markup
    li.appendChild(name);
    return li;
  }

  function toggle(button) {
    var li = button.parentNode;
    var list = li.querySelector(":scope > ul");
    if (list) {
      var open = button.getAttribute("aria-expanded") !== "true";
      list.hidden = !open;
      button.setAttribute("aria-expanded", String(open));
      button.textContent = open ? "▾" : "▸";
      return;
    }
    button.disabled = true;
    fetch(api + "/concepts/" + encodeURIComponent(button.getAttribute("data-id")) + "/descendants?max_depth=1&limit=200",
          {headers: {"Accept": "application/json"}})
      .then(function (response) { if (!response.ok) throw new Error("HTTP " + response.status); return response.json(); })
      .then(function (data) {
        var ul = document.createElement("ul");
        data.items.forEach(function (entry) { ul.appendChild(item(entry.concept)); });
        if (!data.items.length) {
          button.replaceWith(Object.assign(document.createElement("span"), {className: "leaf", textContent: "·"}));
          return;
        }
        li.appendChild(ul);
        button.disabled = false;
        button.setAttribute("aria-expanded", "true");
        button.textContent = "▾";
      })
      .catch(function (error) { button.disabled = false; button.title = "Could not load: " + error.message; });
  }

  tree.addEventListener("click", function (event) {
    var button = event.target.closest("button.toggle");
    if (button && tree.contains(button)) toggle(button);
  });
})();
