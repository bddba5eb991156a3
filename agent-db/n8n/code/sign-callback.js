// Signs each `callback` for Leads Queue's agent-callback with the Standard Webhooks scheme: a
// webhook-id per event (derived from `callbackKey` when given, so a repeat is recognisable),
// the current timestamp, and v1,<base64 HMAC-SHA256> over "<id>.<timestamp>.<body>".
const crypto = require('crypto');
// A fixed namespace for name-based (v5) callback ids; any constant works, it must never change.
const CALLBACK_NAMESPACE = '5b0c4a52-9a1e-4d43-8f4e-3c1f7e2a9d10';

const secret = $env.LEADS_QUEUE_WEBHOOK_SECRET;
const url = $env.LEADS_QUEUE_CALLBACK_URL;
if (!secret || !url) throw new Error('Set LEADS_QUEUE_WEBHOOK_SECRET and LEADS_QUEUE_CALLBACK_URL in the n8n environment');

function keyBytes(value) {
  return value.startsWith('whsec_') ? Buffer.from(value.slice('whsec_'.length), 'base64') : Buffer.from(value, 'utf8');
}

function uuidV5(name) {
  const namespace = Buffer.from(CALLBACK_NAMESPACE.replace(/-/g, ''), 'hex');
  const hash = crypto.createHash('sha1').update(namespace).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

return $input.all().map((item) => {
  const body = JSON.stringify(item.json.callback);
  const id = item.json.callbackKey ? uuidV5(item.json.callbackKey) : crypto.randomUUID();
  const timestamp = Math.floor(Date.now() / 1000);
  const mac = crypto.createHmac('sha256', keyBytes(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    json: {
      url,
      body,
      webhookId: id,
      webhookTimestamp: String(timestamp),
      webhookSignature: `v1,${mac}`,
      event: item.json.callback.event,
      answerLeadEvent: item.json.answerLeadEvent === true,
    },
  };
});
