// The region list follows the chosen country at once. Without JavaScript the list shows every region under
// its country's heading (and the server checks that the two agree); with it, only the chosen country's
// regions are offered, and the question is hidden for a country that has none.
(function () {
  "use strict";
  var start = function () {
    var country = document.querySelector("select[name=host_country]");
    var region = document.querySelector("select[name=host_region]");
    if (!country || !region) {
      return;
    }
    var field = region.closest(".field") || region;
    // The first option is the "no answer" choice; the rest are grouped by country in <optgroup>s.
    var blank = region.options[0].cloneNode(true);
    var groups = {};
    var optgroups = region.querySelectorAll("optgroup");
    for (var index = 0; index < optgroups.length; index += 1) {
      var options = optgroups[index].querySelectorAll("option");
      if (options.length) {
        groups[options[0].value.split("-")[0]] = Array.prototype.map.call(options, function (option) {
          return option.cloneNode(true);
        });
      }
    }
    var show = function () {
      var chosen = region.value;
      var regions = groups[country.value] || [];
      region.replaceChildren(blank.cloneNode(true));
      regions.forEach(function (option) {
        region.append(option.cloneNode(true));
      });
      region.value = regions.some(function (option) { return option.value === chosen; }) ? chosen : "";
      field.hidden = regions.length === 0;
    };
    country.addEventListener("change", show);
    show();
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
