/**
 * The private Realtime topics the live queue is broadcast on (Broadcast from the database). The database
 * sends to the same names (private.queue_topic in the queue_broadcasts migration) and its realtime.messages
 * policy lets a manager listen to the client's topic and an admin to their own.
 */
export function queueTopic(clientId: string, adminId?: string): string {
  return `queue:client:${clientId}${adminId === undefined ? '' : `:admin:${adminId}`}`;
}

/** Broadcast events: one per table whose changes the dashboard shows. */
export const QUEUE_EVENTS = {
  items: 'whatsapp_message_queue',
  settings: 'user_queue_settings',
  pause: 'clients',
} as const;

export type QueueChangeKind = keyof typeof QUEUE_EVENTS;

/**
 * The client's leads topic: every member hears the contact state of the client's leads change (a send, an opt-out),
 * whoever caused it. The database sends to it (private.leads_topic in the lead_broadcasts migration).
 */
export function leadsTopic(clientId: string): string {
  return `leads:client:${clientId}`;
}

export const LEAD_EVENT = 'leads';
