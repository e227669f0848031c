// Passkeys in the console (issue 18). The server makes each challenge and checks each answer; this file
// only carries them between the page and the browser's WebAuthn API, and puts the answer in the form, which
// is then sent as usual (the log-in form with its password and gate, the enrolment form with its name).
// Without JavaScript or WebAuthn the buttons stay hidden: codes from an authenticator app still work
// wherever the administrator allows them.

function fromBase64url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (character) => character.charCodeAt(0)).buffer;
}

function toBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function withIds(descriptors) {
  return (descriptors || []).map((descriptor) => ({ ...descriptor, id: fromBase64url(descriptor.id) }));
}

function requestOptions(options) {
  return {
    ...options,
    challenge: fromBase64url(options.challenge),
    allowCredentials: withIds(options.allowCredentials),
  };
}

function creationOptions(options) {
  return {
    ...options,
    challenge: fromBase64url(options.challenge),
    user: { ...options.user, id: fromBase64url(options.user.id) },
    excludeCredentials: withIds(options.excludeCredentials),
  };
}

function credentialJSON(credential) {
  const response = credential.response;
  const fields = { clientDataJSON: toBase64url(response.clientDataJSON) };
  if (response.attestationObject) {
    fields.attestationObject = toBase64url(response.attestationObject);
    fields.transports = typeof response.getTransports === "function" ? response.getTransports() : [];
  } else {
    fields.authenticatorData = toBase64url(response.authenticatorData);
    fields.signature = toBase64url(response.signature);
    fields.userHandle = response.userHandle ? toBase64url(response.userHandle) : null;
  }
  return JSON.stringify({
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: fields,
    authenticatorAttachment: credential.authenticatorAttachment || null,
    clientExtensionResults: credential.getClientExtensionResults(),
  });
}

async function challenge(button) {
  const token = button.form.querySelector("[name=csrfmiddlewaretoken]").value;
  const answer = await fetch(button.dataset.optionsUrl, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": token },
  });
  if (!answer.ok) {
    throw new Error("no challenge");
  }
  return answer.json();
}

function showError(button, shown) {
  const error = document.getElementById(button.dataset.errorId);
  if (error) {
    error.hidden = !shown;
  }
}

async function logIn(button) {
  const options = await challenge(button);
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options) });
  button.form.querySelector("[name=passkey]").value = credentialJSON(credential);
  const code = button.form.querySelector("[name=otp_token]");
  if (code) {
    code.value = "";
  }
}

async function enrol(button) {
  if (!button.form.querySelector("[name=name]").value.trim()) {
    return; // the form comes back asking for a name first
  }
  const options = await challenge(button);
  const credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
  button.form.querySelector("[name=credential]").value = credentialJSON(credential);
}

const ACTIONS = { login: logIn, register: enrol };

function setUp() {
  const supported = typeof globalThis.PublicKeyCredential === "function" && globalThis.isSecureContext;
  for (const button of document.querySelectorAll("button[data-passkey]")) {
    const action = ACTIONS[button.dataset.passkey];
    if (!action || !supported) {
      continue;
    }
    button.hidden = false;
    for (const note of document.querySelectorAll("[data-passkey-needs-script]")) {
      note.hidden = true;
    }
    button.addEventListener("click", async () => {
      showError(button, false);
      button.disabled = true;
      try {
        await action(button);
      } catch {
        showError(button, true);
        button.disabled = false;
        return;
      }
      button.disabled = false;
      button.form.requestSubmit();
    });
  }
}

setUp();
