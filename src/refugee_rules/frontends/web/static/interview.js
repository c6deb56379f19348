// The guided interview's only script (no framework, nothing fetched). The pages work without it; it adds:
// - the answers kept in this tab's session storage (a reload or a closed page loses nothing), cleared on "finish";
// - on the start page, the offer to go on with an interview this tab holds;
// - the Print button;
// - the browser's own Back button pressing the page's Back (a page that answers a POST is never cached: going back
//   in the browser's history would only ask to send the form again).
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
  var back = document.querySelector("[data-browser-back]");
  if (back && window.history && history.pushState) {
    history.pushState({interview: true}, "");
    window.addEventListener("popstate", function () {
      if (!back.disabled) { back.click(); }
    });
  }
  var printing = document.querySelectorAll("[data-print]");
  for (var i = 0; i < printing.length; i++) {
    printing[i].hidden = false;
    printing[i].addEventListener("click", function () { window.print(); });
  }
})();
