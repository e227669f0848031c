// Quick exit, enhanced. Without JavaScript the "Quick exit" link works as a plain link; with it, leaving
// replaces this page in the tab's history (Back does not return here) and pressing Escape twice within a
// second leaves too.
(function () {
  "use strict";
  var link = document.querySelector("a.quick-exit");
  if (!link) {
    return;
  }
  var leave = function (event) {
    if (event) {
      event.preventDefault();
    }
    document.body.style.visibility = "hidden";
    window.location.replace(link.href);
  };
  link.addEventListener("click", leave);
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var now = Date.now();
    if (now - lastEscape < 1000) {
      leave(event);
    }
    lastEscape = now;
  });
})();
