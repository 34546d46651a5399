// The query console: posts the document (and variables) to /graphql and shows the answer as indented JSON.
"use strict";
(function () {
  var form = document.getElementById("console");
  var query = document.getElementById("query"), variables = document.getElementById("variables"), out = document.getElementById("result");
  var status = document.getElementById("status");
  var saved = window.localStorage && localStorage.getItem("catalog-console-query");
  if (saved && !query.value.trim()) { query.value = saved; }
  function run(event) {
    if (event) { event.preventDefault(); }
    var vars = null;
    if (variables.value.trim()) {
      try { vars = JSON.parse(variables.value); } catch (e) { out.textContent = "Variables are not JSON: " + e.message; return; }
    }
    if (window.localStorage) { localStorage.setItem("catalog-console-query", query.value); }
    status.textContent = "running…";
    var started = performance.now();
    fetch("/graphql", { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
                        body: JSON.stringify({ query: query.value, variables: vars }) })
      .then(function (r) { return r.text().then(function (text) { return { code: r.status, text: text }; }); })
      .then(function (r) {
        var shown = r.text;
        try { shown = JSON.stringify(JSON.parse(r.text), null, 2); } catch (e) { /* not JSON: show it as it came */ }
        out.textContent = shown;
        status.textContent = "HTTP " + r.code + " in " + Math.round(performance.now() - started) + " ms";
      })
      .catch(function (e) { out.textContent = "The request failed: " + e.message; status.textContent = ""; });
  }
  form.addEventListener("submit", run);
  query.addEventListener("keydown", function (e) { if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { run(e); } });
})();
