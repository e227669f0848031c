// Times are stored and rendered in UTC, labelled "UTC" for readers without JavaScript. With it, each
// <time data-local-time> shows the reader's own clock instead, in the same year-month-day hours:minutes form,
// so that a reporter abroad does not have to work out the difference.
(function () {
  "use strict";
  var pad = function (number) {
    return number < 10 ? "0" + number : String(number);
  };
  var show = function () {
    var times = document.querySelectorAll("time[data-local-time]");
    for (var index = 0; index < times.length; index += 1) {
      var element = times[index];
      var moment = new Date(element.getAttribute("datetime"));
      if (isNaN(moment.getTime())) {
        continue;
      }
      element.textContent =
        moment.getFullYear() + "-" + pad(moment.getMonth() + 1) + "-" + pad(moment.getDate()) + " " +
        pad(moment.getHours()) + ":" + pad(moment.getMinutes());
      element.setAttribute("data-shown", "local");
    }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show);
  } else {
    show();
  }
})();
