// The browser's side of the 2FA cosigner's protocol (docs/cosigner.md), as gostaking/wallet/cosigner_client.py
// speaks it: the request digests a user key signs, the policy's canonical JSON, the cosigner's API on its own
// origin (it must list this app's origin with `cosigner serve --cors-origin`), and the WebAuthn ceremonies run in
// this page with the cosigner's options.
import { hex } from '@scure/base';
import { ApiError } from './api.js';
import { sha256, signDigest } from './keys.js';

const REQUEST_DOMAIN = 'gostaking-cosigner/v1/';
const utf8 = new TextEncoder();

/** The cosigner refused: `message` is its one line, `code` its class (WrongCodeError…), `status` the HTTP status. */
export class CosignerError extends ApiError {}

/** The cosigner did not answer (down, wrong URL, or this app's origin not allowed by its --cors-origin). */
export class CosignerDownError extends Error {}

/** sha256(domain ‖ action ‖ 0 ‖ subject ‖ 0 ‖ payload): what a user key signs to authenticate a request. */
export function requestDigest(action, subject, payload = new Uint8Array()) {
  const head = utf8.encode(`${REQUEST_DOMAIN}${action}\0${subject}\0`);
  const message = new Uint8Array(head.length + payload.length);
  message.set(head, 0);
  message.set(payload, head.length);
  return sha256(message);
}

/** The user key's signature (hex) of a request. */
export function signRequest(key, action, subject, payload) {
  return hex.encode(signDigest(key.secret, requestDigest(action, subject, payload)));
}

/** The subject of an enrolment: the two user keys in hex (no address exists yet). */
export const enrolmentSubject = (userPubkey, backupPubkey) => `${hex.encode(userPubkey)}:${hex.encode(backupPubkey)}`;

const sortedEntries = (table) => Object.keys(table).sort().map((name) => `${JSON.stringify(name)}:${BigInt(table[name])}`);

/** A policy's canonical JSON (msgspec, sorted keys, compact; amounts BigInt-exact): what a change's signature covers. */
export function encodePolicy(policy) {
  return (
    `{"allowlist":[${policy.allowlist.map((entry) => JSON.stringify(entry)).join(',')}]` +
    `,"daily_limits":{${sortedEntries(policy.daily_limits).join(',')}}` +
    `,"delay_seconds":${BigInt(policy.delay_seconds)}` +
    `,"delay_thresholds":{${sortedEntries(policy.delay_thresholds).join(',')}}}`
  );
}

/** The cosigner's API at `url` (its refusals as CosignerError, no answer as CosignerDownError). */
export function cosignerApi(url) {
  const base = url.replace(/\/+$/, '');
  async function call(method, path, text) {
    let response;
    try {
      response = await fetch(`${base}${path}`, { method, body: text, headers: text ? { 'Content-Type': 'application/json' } : {} });
    } catch (error) {
      throw new CosignerDownError(`${base}: ${error.message}`);
    }
    const answer = await response.json().catch(() => null);
    if (!response.ok) throw new CosignerError(answer?.message ?? `HTTP ${response.status}`, response.status, answer?.error);
    return answer;
  }
  const post = (path, body) => call('POST', path, typeof body === 'string' ? body : JSON.stringify(body));
  return {
    url: base,
    enrol: (key) => post('/v1/enrol', {
      user_pubkey: hex.encode(key.publicKey),
      backup_pubkey: hex.encode(key.backupPublicKey),
      signature: signRequest(key, 'enrol', enrolmentSubject(key.publicKey, key.backupPublicKey)),
    }),
    activate: (address, code) => post(`/v1/wallets/${address}/activate`, { code }),
    wallet: (address) => call('GET', `/v1/wallets/${address}`),
    policy: (address) => call('GET', `/v1/wallets/${address}/policy`),
    setPolicy: (key, address, policy, code) => {
      const canonical = encodePolicy(policy);
      const signature = signRequest(key, 'policy', address, utf8.encode(canonical));
      // Written by hand: the policy's amounts are exact integers, which JSON.stringify cannot write from BigInt.
      return call('PUT', `/v1/wallets/${address}/policy`, `{"policy":${canonical},"code":${JSON.stringify(code)},"signature":"${signature}"}`);
    },
    cosign: (address, request, code) => post(`/v1/wallets/${address}/cosign`, { ...request, code }),
    requestApproval: (address, request) => post(`/v1/wallets/${address}/approvals`, request),
    approval: (token) => call('GET', `/v1/approvals/${token}`),
    cancel: (key, address, token) => post(`/v1/approvals/${token}/cancel`, { signature: signRequest(key, 'cancel', address, utf8.encode(token)) }),
    approveWithPasskey: async (token) => {
      const options = await call('GET', `/v1/approvals/${token}/options`);
      const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
      return post(`/v1/approvals/${token}/assertion`, credential.toJSON());
    },
    registerPasskey: async (key, address, code) => {
      const { token } = await post(`/v1/wallets/${address}/passkeys`, { code, signature: signRequest(key, 'passkey', address) });
      const options = await call('GET', `/v1/registrations/${token}/options`);
      const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
      return post(`/v1/registrations/${token}`, credential.toJSON());
    },
  };
}
