/* The form of a named query's page (templates/named_query.html): suggestions for the parameters
   that name a thing, and the "use it" buttons of the examples. Without this script the form
   still works: a name, a code or an IRI typed in is resolved by the server. */
(function () {
  "use strict";
  var script = document.currentScript;
  var searchUrl = script && script.getAttribute("data-search-url");

  // The value a suggestion writes in the field: what the server reads back as that thing alone.
  function written(result) {
    if (result.type === "territoire" && result.code && result.phase) return result.code + "@" + result.phase;
    if (result.type === "commune" && result.code) return result.code;
    if (result.type === "region" && /\/region\/[0-9]{2}$/.test(result.iri)) return result.iri.slice(-2);
    return result.iri;
  }

  function describe(result) {
    var parts = [result.label];
    if (result.phase) parts.push(result.phase);
    if (result.departement) parts.push("dép. " + result.departement);
    return parts.join(" · ");
  }

  function looksWritten(value) {
    return /^[a-z][a-z0-9+.-]*:/i.test(value) || /^ti-[0-9]{4}/i.test(value) || /^[0-9]{2,9}$/.test(value);
  }

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var type = input.getAttribute("data-search");
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      var value = input.value.trim();
      window.clearTimeout(timer);
      if (!searchUrl || !list || value.length < 2 || looksWritten(value) || value === asked) return;
      timer = window.setTimeout(function () {
        asked = value;
        var url = searchUrl + "?format=json&limit=8&q=" + encodeURIComponent(value) +
          (type ? "&type=" + encodeURIComponent(type) : "");
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (body) {
            if (input.value.trim() !== value) return;
            list.textContent = "";
            body.results.forEach(function (result) {
              var option = document.createElement("option");
              option.value = written(result);
              option.label = describe(result);
              option.textContent = describe(result);
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are a help; the form works without them */ });
      }, 200);
    });
  }

  document.querySelectorAll("input[data-search]").forEach(attach);
  document.querySelectorAll("button.use-example").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-for"));
      if (!input) return;
      input.value = button.getAttribute("data-value");
      input.dispatchEvent(new Event("input"));
      input.focus();
    });
  });
})();
