// The gate with JavaScript on: the ALTCHA widget (vendor/altcha, unchanged) solves the server's proof of
// work while the person fills in the form. This file only registers the widget's PBKDF2 worker and our
// translated texts, and holds a form's submission until the widget has finished. Without JavaScript, or
// when the widget fails, the signed time-lock token in the same form pays for the attempt instead.
const ALGORITHM = "PBKDF2/SHA-256";
const FINISHED = new Set(["verified", "error"]);

function widgetOf(form) {
  return form.querySelector("[data-gate] altcha-widget");
}

function setUp(box) {
  const widget = box.querySelector("altcha-widget");
  if (!widget || !box.dataset.gateStrings || !globalThis.$altcha) {
    return;
  }
  const worker = box.dataset.gateWorker;
  globalThis.$altcha.algorithms.set(ALGORITHM, () => new Worker(worker));
  globalThis.$altcha.i18n.set(widget.getAttribute("language"), JSON.parse(box.dataset.gateStrings));
  if (!globalThis.isSecureContext || !globalThis.Worker || !globalThis.crypto?.subtle) {
    widget.hidden = true;
    return;
  }
  // The wait applies only to the path without JavaScript; show it again if the widget gives up.
  const wait = box.querySelector("[data-gate-wait]");
  if (wait) {
    wait.hidden = true;
    widget.addEventListener("statechange", (event) => {
      wait.hidden = event.detail.state !== "error";
    });
  }
}

// One listener on the document, so that forms put in place later (the upload progress script replaces the
// page with the server's answer) are held too, before any listener on the form itself runs.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    const widget = form instanceof HTMLFormElement ? widgetOf(form) : null;
    if (!widget || widget.hidden || typeof widget.getState !== "function") {
      return;
    }
    const state = widget.getState();
    if (FINISHED.has(state)) {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    const submitter = event.submitter;
    const resume = (change) => {
      if (FINISHED.has(change.detail.state)) {
        widget.removeEventListener("statechange", resume);
        form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      }
    };
    widget.addEventListener("statechange", resume);
    if (state !== "verifying") {
      widget.verify();
    }
  },
  { capture: true },
);

document.querySelectorAll("[data-gate]").forEach(setUp);
