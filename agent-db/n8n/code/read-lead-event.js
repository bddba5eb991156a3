// The customer's WhatsApp side reports what a lead wrote. A stop word (or `type: "stop"`) opts the
// lead out; anything else is a reply. Outputs the Leads Queue callback to sign, or
// { ok: false, status, response } for "Reject lead event".
const crypto = require('crypto');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Israel's spam law names "הסר" (remove) as the refusal word; English words for everyone else.
const STOP_WORDS = ['הסר', 'הסרה', 'הסירו', 'stop', 'unsubscribe', 'optout'];

const apiKey = $env.LEADS_QUEUE_API_KEY;
if (!apiKey) throw new Error('Set LEADS_QUEUE_API_KEY in the n8n environment');

function sameText(left, right) {
  const a = crypto.createHash('sha256').update(String(left)).digest();
  const b = crypto.createHash('sha256').update(String(right)).digest();
  return crypto.timingSafeEqual(a, b);
}

function reject(status, error) {
  return { json: { ok: false, status, response: { success: false, error } } };
}

function stopWordIn(text) {
  const words = String(text).toLowerCase().split(/[^\p{L}\p{N}]+/u);
  return STOP_WORDS.find((word) => words.includes(word)) || null;
}

function read(item) {
  const headers = item.json.headers || {};
  if (!sameText(headers.authorization || '', `Bearer ${apiKey}`)) return reject(401, 'invalid API key');
  const body = item.json.body;
  if (!body || typeof body !== 'object') return reject(400, 'body must be a JSON object');
  if (!UUID.test(String(body.lead_id))) return reject(400, 'lead_id must be a UUID');
  if (body.queue_item_id !== undefined && !UUID.test(String(body.queue_item_id))) {
    return reject(400, 'queue_item_id must be a UUID');
  }
  if (body.type !== undefined && body.type !== 'reply' && body.type !== 'stop') return reject(400, 'type must be reply or stop');
  if (body.text !== undefined && typeof body.text !== 'string') return reject(400, 'text must be a string');
  if (body.message_id !== undefined && (typeof body.message_id !== 'string' || body.message_id === '')) {
    return reject(400, 'message_id must be a non-empty string');
  }

  const keyword = stopWordIn(body.text || '');
  const optedOut = body.type === 'stop' || keyword !== null;
  const callback = optedOut
    ? { event: 'lead_opted_out', lead_id: body.lead_id, ...(keyword ? { keyword } : {}) }
    : { event: 'lead_replied', lead_id: body.lead_id };
  if (body.queue_item_id) callback.queue_item_id = body.queue_item_id;
  return {
    json: {
      ok: true,
      callback,
      // The provider's message id makes a re-sent message the same callback (agent-callback drops it).
      callbackKey: body.message_id ? `${callback.event}:${body.message_id}` : null,
      answerLeadEvent: true,
    },
  };
}

return $input.all().map(read);
