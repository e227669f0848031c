// Progress bars for file uploads. Without JavaScript the same forms post as plain multipart.
(function () {
  "use strict";

  function bar(list, file) {
    var item = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = file.name;
    var progress = document.createElement("progress");
    progress.max = file.size || 1;
    progress.value = 0;
    item.appendChild(label);
    item.appendChild(progress);
    list.appendChild(item);
    return progress;
  }

  function replaceDocument(xhr) {
    var parsed = new DOMParser().parseFromString(xhr.responseText, "text/html");
    document.replaceChild(document.adoptNode(parsed.documentElement), document.documentElement);
    if (xhr.responseURL) {
      window.history.replaceState(null, "", xhr.responseURL);
    }
    window.scrollTo(0, 0);
    // A page swapped in by script gets no autofocus of its own: the error summary must still take the focus.
    var first = document.querySelector("[autofocus]");
    if (first) {
      first.focus();
    }
  }

  function enhance(form) {
    form.addEventListener("submit", function (event) {
      var inputs = form.querySelectorAll("input[type=file]");
      var files = [];
      inputs.forEach(function (input) {
        Array.prototype.push.apply(files, input.files);
      });
      if (!files.length || !window.FormData) {
        return;
      }
      event.preventDefault();
      var list = document.createElement("ul");
      list.className = "upload-progress";
      list.setAttribute("aria-live", "polite");
      var bars = files.map(function (file) { return bar(list, file); });
      form.appendChild(list);
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (progressEvent) {
        // The files travel one after another in the body: share out the bytes sent so far in order.
        var left = progressEvent.loaded;
        files.forEach(function (file, index) {
          var done = Math.max(0, Math.min(file.size, left));
          bars[index].value = done;
          left -= file.size;
        });
      });
      xhr.addEventListener("load", function () { replaceDocument(xhr); });
      xhr.addEventListener("error", function () {
        list.remove();
        form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = false; });
      });
      var data = new FormData(form);
      // The button pressed says where to go next (the questionnaire's Next or Back); FormData leaves it out.
      if (event.submitter && event.submitter.name) {
        data.append(event.submitter.name, event.submitter.value);
      }
      xhr.send(data);
    });
  }

  document.querySelectorAll("form[data-upload-progress]").forEach(enhance);
})();
