// souk: search-box suggestions from /s/suggest, shown as the input's datalist.
// The search box works the same without this file.
(function () {
  "use strict";
  var box = document.getElementById("search-box");
  if (!box || !window.fetch) return;
  var list = document.createElement("datalist");
  list.id = "search-suggestions";
  box.parentNode.appendChild(list);
  box.setAttribute("list", list.id);
  var timer = null;
  var asked = "";
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = box.value.trim();
      if (q.length < 2 || q === asked) return;
      asked = q;
      fetch("/s/suggest?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (answer) { return answer.ok ? answer.json() : { suggestions: [] }; })
        .then(function (data) {
          if (box.value.trim() !== q) return;
          list.textContent = "";
          data.suggestions.forEach(function (text) {
            var option = document.createElement("option");
            option.value = text;
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are optional */ });
    }, 150);
  });
})();
