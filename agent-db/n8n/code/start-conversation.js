// REPLACE THIS NODE with the start of your AI WhatsApp conversation (an HTTP Request to your
// WhatsApp provider or AI agent, a sub-workflow, ...). It runs once per accepted lead batch and is
// never reached by a duplicate webhook-id. What it gets: the lead below. What it must output: one
// item with `conversation_id` (a string, at most 200 characters). If it fails, keep its setting
// "On Error: Continue (using error output)": the error output reports delivery_failed.
const crypto = require('crypto');

const lead = $('Verify lead batch').first().json;
if (!lead.template) throw new Error('The lead batch has no template, so there is nothing to say');
const conversationId = `conv_${crypto.randomUUID()}`;
return [
  {
    json: {
      conversation_id: conversationId,
      lead_id: lead.leadId,
      template: lead.template,
      variables: lead.variables,
    },
  },
];
