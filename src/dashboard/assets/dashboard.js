// PicoFlow dashboard: the live parts only. Pages are complete without this script.
"use strict";

// An execution page: on each "change", fetch the page again and swap its <main>.
// The markup comes from the same server-side renderer as a full page load, so it is escaped there.
function followExecution(main) {
  var source = new EventSource(main.getAttribute("data-events"));
  var busy = false;
  var again = false;
  function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(location.pathname, { credentials: "same-origin", headers: { accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("main");
        if (fresh) {
          main.innerHTML = fresh.innerHTML;
          if (!fresh.hasAttribute("data-events")) main.removeAttribute("data-events");
        }
      })
      .catch(function () {})
      .finally(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }
  source.addEventListener("change", refresh);
  source.addEventListener("end", function () {
    source.close();
    refresh();
  });
}

// A log page: append each new piece of the file as text.
function followLog(pre) {
  var source = new EventSource(pre.getAttribute("data-follow"));
  source.addEventListener("append", function (event) {
    var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
    pre.appendChild(document.createTextNode(JSON.parse(event.data)));
    if (atBottom) window.scrollTo(0, document.body.scrollHeight);
  });
  source.addEventListener("end", function () {
    source.close();
    var note = document.querySelector(".live-note");
    if (note) note.textContent = "The task has finished.";
  });
}

document.addEventListener("DOMContentLoaded", function () {
  var main = document.getElementById("main");
  if (main && main.hasAttribute("data-events")) followExecution(main);
  var log = document.getElementById("log");
  if (log && log.hasAttribute("data-follow")) followLog(log);
});
