"""The one page of the browser ceremonies: /passkey/<token> registers a passkey, /approve/<token> approves a
transaction with one. It shows what is being approved, asks the authenticator (fingerprint, face, PIN) on a
button press, and posts the browser's answer back. http://localhost is a secure context, so WebAuthn works on a
cosigner run locally; elsewhere serve it over HTTPS under its --rp-id host name.
"""

CEREMONY_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GoStaking 2FA</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; }
pre { background: #f4f4f4; padding: .75rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
button { font-size: 1.1rem; padding: .5rem 1.25rem; }
#status.error { color: #b00020; }
</style>
</head>
<body>
<h1 id="title">GoStaking 2FA</h1>
<p id="what"></p>
<pre id="details" hidden></pre>
<button id="go" type="button" disabled>Continue</button>
<p id="status" role="status"></p>
<script>
"use strict";
const [, mode, token] = location.pathname.split("/");
const status = document.getElementById("status");
const go = document.getElementById("go");

function fromB64u(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
}
function toB64u(buffer) {
  let text = "";
  for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
}
function say(text, failed) {
  status.textContent = text;
  status.className = failed ? "error" : "";
}
async function call(method, path, body) {
  const response = await fetch(path, {method, body, headers: {"Content-Type": "application/json"}});
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.message || ("HTTP " + response.status));
  return answer;
}
function credentials(list) {
  return (list || []).map((c) => ({...c, id: fromB64u(c.id)}));
}

async function register() {
  const options = await call("GET", `/v1/registrations/${token}/options`);
  const publicKey = {...options, challenge: fromB64u(options.challenge),
    user: {...options.user, id: fromB64u(options.user.id)},
    excludeCredentials: credentials(options.excludeCredentials)};
  const made = await navigator.credentials.create({publicKey});
  const answer = await call("POST", `/v1/registrations/${token}`, JSON.stringify({
    id: made.id, rawId: toB64u(made.rawId), type: made.type,
    response: {clientDataJSON: toB64u(made.response.clientDataJSON),
      attestationObject: toB64u(made.response.attestationObject),
      transports: made.response.getTransports ? made.response.getTransports() : []},
    clientExtensionResults: made.getClientExtensionResults()}));
  say(`Passkey registered: this wallet has ${answer.passkeys}.`);
}

async function approve() {
  const options = await call("GET", `/v1/approvals/${token}/options`);
  const publicKey = {...options, challenge: fromB64u(options.challenge),
    allowCredentials: credentials(options.allowCredentials)};
  const got = await navigator.credentials.get({publicKey});
  const answer = await call("POST", `/v1/approvals/${token}/assertion`, JSON.stringify({
    id: got.id, rawId: toB64u(got.rawId), type: got.type,
    response: {clientDataJSON: toB64u(got.response.clientDataJSON),
      authenticatorData: toB64u(got.response.authenticatorData), signature: toB64u(got.response.signature),
      userHandle: got.response.userHandle ? toB64u(got.response.userHandle) : null},
    clientExtensionResults: got.getClientExtensionResults()}));
  say(answer.status === "signed" ? "Approved: the transaction is co-signed."
    : `Approved: held by your policy until ${new Date(answer.release_at * 1000).toISOString()}.`);
}

async function start() {
  if (mode === "passkey") {
    document.getElementById("title").textContent = "Add a passkey to your 2FA wallet";
    document.getElementById("what").textContent = "Your authenticator will ask for your fingerprint, face or PIN.";
    go.textContent = "Add passkey";
    go.onclick = () => { go.disabled = true; register().catch((e) => say(e.message, true)); };
  } else {
    const approval = await call("GET", `/v1/approvals/${token}`);
    const body = JSON.parse(new TextDecoder().decode(new Uint8Array(fromHex(approval.body))));
    document.getElementById("title").textContent = "Approve a transaction";
    document.getElementById("what").textContent = `From ${approval.address} (status: ${approval.status}):`;
    const details = document.getElementById("details");
    details.textContent = JSON.stringify(body.msgs, null, 2) + `\\nfee: ${body.fee} ugos, memo: ${body.memo || ""}`;
    details.hidden = false;
    go.textContent = "Approve with your passkey";
    go.onclick = () => { go.disabled = true; approve().catch((e) => say(e.message, true)); };
  }
  go.disabled = false;
}
function fromHex(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes.buffer;
}
start().catch((e) => say(e.message, true));
</script>
</body>
</html>
"""
