// The guided interview's only script (no framework, nothing fetched). The pages work without it; it adds:
// - the answers kept in this tab's session storage (a reload or a closed page loses nothing), cleared on "finish";
// - on the start page, the offer to go on with an interview this tab holds;
// - the Print button.
(function () {
  "use strict";
  var KEY = "refugee-rules.interview.answers";
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }  // storage may be switched off
  var body = document.body;
  if (store) {
    if (body.getAttribute("data-finished") === "1") {
      store.removeItem(KEY);
    } else if (body.getAttribute("data-view") !== "start") {
      var field = document.querySelector('form input[name="state"]');
      if (field && field.value) { store.setItem(KEY, field.value); }
    }
    var resume = document.getElementById("resume");
    var saved = store.getItem(KEY);
    if (resume && saved) {
      resume.querySelector('input[name="state"]').value = saved;
      resume.hidden = false;
    }
  }
  var printing = document.querySelectorAll("[data-print]");
  for (var i = 0; i < printing.length; i++) {
    printing[i].hidden = false;
    printing[i].addEventListener("click", function () { window.print(); });
  }
})();
