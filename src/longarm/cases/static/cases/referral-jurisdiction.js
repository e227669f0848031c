// Choosing another jurisdiction shows its provisions at once: the form goes back to the server through the
// same button that does it without JavaScript, so what was typed is kept and nothing is recorded yet.
(function () {
  "use strict";
  var start = function () {
    var button = document.querySelector("button[data-jurisdiction-refresh]");
    var jurisdiction = document.querySelector("select[name=jurisdiction]");
    if (!button || !jurisdiction) {
      return;
    }
    button.hidden = true;
    jurisdiction.addEventListener("change", function () {
      button.click();
    });
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
