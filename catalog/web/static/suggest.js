// Search suggestions as you type: fills each search box's <datalist> from /suggest.
// Only an enhancement: without this script the form still submits and the server answers.
"use strict";
(function () {
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null, last = "", controller = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = input.value.trim();
        if (text.length < 2 || text === last) { return; }
        last = text;
        if (controller) { controller.abort(); }
        controller = new AbortController();
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(text), { signal: controller.signal, headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            list.replaceChildren();
            items.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.name;
              option.label = item.title && item.title !== item.name ? item.title + " (" + item.key + ")" : item.key;
              list.appendChild(option);
            });
          })
          .catch(function () { /* a suggestion that fails leaves the plain search working */ });
      }, 150);
    });
  }
  document.querySelectorAll("input[data-suggest]").forEach(attach);
})();
