// Quick exit, enhanced. Without JavaScript the "Quick exit" link is a plain link (the safety page says what Back
// does then). With it, leaving takes every page of this site in the tab's history with it, as far as a browser
// lets a page do that, logs an open report out, and pressing Escape twice within a second leaves too.
//
// location.replace() swaps only the current entry: Back would still reach the pages visited before. Where the
// Navigation API lists this site's entries in the tab (Chromium), the exit first goes back to the earliest of
// them and replaces that one, so Back leads to wherever the person was before this site. Forward entries stay,
// which no page can remove. Elsewhere (Firefox, Tor Browser) only the current entry is replaced.
//
// This file is loaded without "defer" so that a page reached in the middle of an exit leaves before it paints.
(function () {
  "use strict";
  var PENDING = "longarm-quick-exit";
  var store = null;
  try {
    store = window.sessionStorage;
  } catch (error) {
    store = null; // Storage blocked (private modes, strict settings): only the current entry is replaced.
  }

  var hide = function () {
    document.documentElement.style.visibility = "hidden";
  };

  var pending = store && store.getItem(PENDING);
  if (pending) {
    store.removeItem(PENDING);
    hide();
    window.location.replace(pending);
    return;
  }

  var clearStorage = function () {
    try {
      window.sessionStorage.clear();
      window.localStorage.clear();
    } catch (error) {
      // Nothing stored, or storage blocked: nothing to clear.
    }
  };

  // A page with an open report (the mailbox) names its log-out form: it is sent as the page goes, so that
  // Forward, or someone reopening the site on this device, does not find the report still open.
  var logOut = function () {
    var form = document.querySelector("form[data-quick-exit-logout]");
    if (form && navigator.sendBeacon) {
      navigator.sendBeacon(form.action, new FormData(form));
    }
  };

  var leave = function (target) {
    hide();
    logOut();
    clearStorage();
    var navigation = window.navigation;
    if (store && navigation && navigation.entries && navigation.currentEntry && navigation.traverseTo) {
      var first = navigation.entries()[0];
      if (first && first.key !== navigation.currentEntry.key) {
        store.setItem(PENDING, target);
        var fallback = function () {
          store.removeItem(PENDING);
          window.location.replace(target);
        };
        // A traversal the browser refuses must not leave the person on a hidden page. No timer: over Tor the
        // earlier page may take seconds to load, and a timer would cut the traversal short.
        navigation.traverseTo(first.key).committed.catch(fallback);
        return;
      }
    }
    window.location.replace(target);
  };

  var start = function () {
    var link = document.querySelector("a.quick-exit");
    if (!link) {
      return;
    }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      leave(link.href);
    });
    var lastEscape = 0;
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") {
        return;
      }
      var now = Date.now();
      if (now - lastEscape < 1000) {
        event.preventDefault();
        leave(link.href);
      }
      lastEscape = now;
    });
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
