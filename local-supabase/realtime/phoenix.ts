/** Phoenix channel frames as realtime-js speaks them: vsn 2.0.0 arrays, vsn 1.0.0 objects. */
export type Vsn = '1.0.0' | '2.0.0';

export interface PhoenixMessage {
  join_ref: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: Record<string, unknown>;
}

export function parseVsn(value: string | null): Vsn | null {
  // Phoenix's default when the client names no version.
  if (value === null || value === '1.0.0') return '1.0.0';
  if (value === '2.0.0') return '2.0.0';
  return null;
}

function asRef(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return null;
}

function asPayload(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A text frame from the client, or null when it is not a Phoenix message we understand. */
export function decodeFrame(vsn: Vsn, text: string): PhoenixMessage | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (vsn === '2.0.0') {
    if (!Array.isArray(raw) || raw.length !== 5) return null;
    const [joinRef, ref, topic, event, payload] = raw as unknown[];
    if (typeof topic !== 'string' || typeof event !== 'string') return null;
    return { join_ref: asRef(joinRef), ref: asRef(ref), topic, event, payload: asPayload(payload) };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const message = raw as Record<string, unknown>;
  if (typeof message.topic !== 'string' || typeof message.event !== 'string') return null;
  return {
    join_ref: asRef(message.join_ref),
    ref: asRef(message.ref),
    topic: message.topic,
    event: message.event,
    payload: asPayload(message.payload),
  };
}

/** realtime-js's binary frame kind for a client's broadcast (vsn 2.0.0). */
const USER_BROADCAST_PUSH = 3;
const JSON_ENCODING = 1;

/**
 * A broadcast realtime-js sends as a binary frame (vsn 2.0.0): kind, the byte lengths of join_ref, ref, topic,
 * event and metadata, the payload encoding, those fields, then the payload. Null for any other frame, and for
 * binary payloads, which this stand-in does not carry.
 */
export function decodeBroadcastPush(frame: Buffer): PhoenixMessage | null {
  if (frame.length < 7 || frame[0] !== USER_BROADCAST_PUSH) return null;
  const lengths = [frame[1], frame[2], frame[3], frame[4], frame[5]] as number[];
  if (frame[6] !== JSON_ENCODING) return null;
  let offset = 7;
  const [joinRef, ref, topic, event, metadata] = lengths.map((length) => {
    const text = frame.subarray(offset, offset + length).toString('utf8');
    offset += length;
    return text;
  }) as [string, string, string, string, string];
  if (offset > frame.length) return null;
  let payload: unknown;
  let meta: unknown = {};
  try {
    payload = JSON.parse(frame.subarray(offset).toString('utf8'));
    if (metadata !== '') meta = JSON.parse(metadata);
  } catch {
    return null;
  }
  return {
    join_ref: joinRef === '' ? null : joinRef,
    ref: ref === '' ? null : ref,
    topic,
    event: 'broadcast',
    payload: { ...asPayload(meta), type: 'broadcast', event, payload },
  };
}

export function encodeFrame(vsn: Vsn, message: PhoenixMessage): string {
  if (vsn === '2.0.0') {
    return JSON.stringify([message.join_ref, message.ref, message.topic, message.event, message.payload]);
  }
  return JSON.stringify({
    topic: message.topic,
    event: message.event,
    payload: message.payload,
    ref: message.ref,
    join_ref: message.join_ref,
  });
}

export function reply(
  request: PhoenixMessage,
  status: 'ok' | 'error',
  response: Record<string, unknown> = {},
): PhoenixMessage {
  return {
    join_ref: request.join_ref,
    ref: request.ref,
    topic: request.topic,
    event: 'phx_reply',
    payload: { status, response },
  };
}
