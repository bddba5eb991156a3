// Checks one lead batch from the Leads Queue processor: bearer key, Standard Webhooks signature and
// timestamp over the raw body, then the payload's shape. Never throws for a bad request: it outputs
// { ok: false, status, response } so "Reject lead batch" can answer 401 or 400.
const crypto = require('crypto');
const TOLERANCE_SECONDS = 5 * 60;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const apiKey = $env.LEADS_QUEUE_API_KEY;
const secret = $env.LEADS_QUEUE_WEBHOOK_SECRET;
if (!apiKey || !secret) {
  throw new Error('Set LEADS_QUEUE_API_KEY and LEADS_QUEUE_WEBHOOK_SECRET in the n8n environment');
}

function sameText(left, right) {
  // Hash both sides so the comparison takes the same time whatever the lengths.
  const a = crypto.createHash('sha256').update(String(left)).digest();
  const b = crypto.createHash('sha256').update(String(right)).digest();
  return crypto.timingSafeEqual(a, b);
}

function keyBytes(value) {
  return value.startsWith('whsec_') ? Buffer.from(value.slice('whsec_'.length), 'base64') : Buffer.from(value, 'utf8');
}

function reject(status, error) {
  return { json: { ok: false, status, response: { success: false, error } } };
}

async function check(item, index) {
  const headers = item.json.headers || {};
  if (!sameText(headers.authorization || '', `Bearer ${apiKey}`)) return reject(401, 'invalid API key');

  const id = headers['webhook-id'];
  const timestampText = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestampText || !signatures) return reject(401, 'missing webhook headers');
  const timestamp = Number(timestampText);
  if (!Number.isInteger(timestamp)) return reject(401, 'bad webhook-timestamp');
  if (Math.abs(Date.now() / 1000 - timestamp) > TOLERANCE_SECONDS) return reject(401, 'webhook-timestamp outside tolerance');

  if (!item.binary || !item.binary.data) throw new Error('Turn on "Raw Body" in the webhook node options');
  const raw = (await this.helpers.getBinaryDataBuffer(index, 'data')).toString('utf8');
  const mac = crypto.createHmac('sha256', keyBytes(secret)).update(`${id}.${timestamp}.${raw}`).digest('base64');
  const matches = String(signatures).split(' ').some((candidate) => sameText(candidate, `v1,${mac}`));
  if (!matches) return reject(401, 'signature mismatch');

  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    return reject(400, 'body is not valid JSON');
  }
  if (!body || body.event !== 'lead_batch_ready') return reject(400, 'event must be lead_batch_ready');
  if (!Array.isArray(body.leads) || body.leads.length !== 1) return reject(400, 'leads must hold exactly one lead');
  const lead = body.leads[0] || {};
  if (!UUID.test(String(lead.lead_id))) return reject(400, 'leads[0].lead_id must be a UUID');
  if (lead.queue_item_id !== id) return reject(400, 'leads[0].queue_item_id must equal webhook-id');
  const metadata = body.metadata || {};
  const attempt = metadata.attempt === undefined ? 1 : metadata.attempt;
  if (!Number.isInteger(attempt) || attempt < 1) return reject(400, 'metadata.attempt must be a positive integer');
  if (metadata.redelivery !== undefined && typeof metadata.redelivery !== 'boolean') {
    return reject(400, 'metadata.redelivery must be a boolean');
  }

  return {
    json: {
      ok: true,
      webhookId: id,
      queueItemId: lead.queue_item_id,
      leadId: lead.lead_id,
      clientId: metadata.client_id || null,
      priority: lead.priority || 'normal',
      template: lead.template || '',
      variables: lead.variables || {},
      attempt,
      redelivery: metadata.redelivery === true,
      // Becomes the triggerId only if this request is the first with its webhook-id.
      candidateTriggerId: `trg_${crypto.randomUUID()}`,
    },
  };
}

const results = [];
for (const [index, item] of $input.all().entries()) results.push(await check.call(this, item, index));
return results;
