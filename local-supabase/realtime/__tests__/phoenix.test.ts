import Serializer from '@supabase/realtime-js/dist/main/lib/serializer.js';
import { describe, expect, it } from 'vitest';
import { readRevoked } from '../authorize.ts';
import { decodeBroadcastPush } from '../phoenix.ts';

/** The binary frame realtime-js itself writes for `channel.send({ type: 'broadcast', … })` on vsn 2.0.0. */
function clientFrame(message: { join_ref: string | null; ref: string | null; topic: string; payload: Record<string, unknown> }): Buffer {
  let frame: string | ArrayBuffer = '';
  new Serializer().encode({ ...message, event: 'broadcast' }, (encoded) => {
    frame = encoded;
  });
  if (typeof frame === 'string') throw new Error('realtime-js wrote a text frame for a broadcast');
  return Buffer.from(frame);
}

describe('decodeBroadcastPush', () => {
  it('reads a client broadcast as realtime-js encodes it', () => {
    const frame = clientFrame({ join_ref: '3', ref: '17', topic: 'realtime:queue:client:ä', payload: { type: 'broadcast', event: 'moved', payload: { n: 1, name: 'שלום' } } });
    expect(decodeBroadcastPush(frame)).toEqual({
      join_ref: '3',
      ref: '17',
      topic: 'realtime:queue:client:ä',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'moved', payload: { n: 1, name: 'שלום' } },
    });
  });

  it('keeps the metadata realtime-js sends beside the payload', () => {
    const frame = clientFrame({ join_ref: '1', ref: null, topic: 'realtime:t', payload: { type: 'broadcast', event: 'e', payload: {}, persist: true } });
    expect(decodeBroadcastPush(frame)).toMatchObject({ ref: null, payload: { persist: true, event: 'e', payload: {} } });
  });

  it('gives up on binary payloads, other frame kinds and truncated frames', () => {
    const binary = clientFrame({ join_ref: '1', ref: '2', topic: 'realtime:t', payload: { type: 'broadcast', event: 'e', payload: new ArrayBuffer(4) } });
    expect(decodeBroadcastPush(binary)).toBeNull();
    const json = clientFrame({ join_ref: '1', ref: '2', topic: 'realtime:t', payload: { type: 'broadcast', event: 'e', payload: { a: 1 } } });
    expect(decodeBroadcastPush(Buffer.concat([Buffer.from([4]), json.subarray(1)]))).toBeNull();
    expect(decodeBroadcastPush(json.subarray(0, 12))).toBeNull();
  });
});

describe('readRevoked', () => {
  it('is true only when a read the channel had is denied now', () => {
    expect(readRevoked({ broadcast: true, presence: false }, { broadcast: false, presence: false })).toBe(true);
    expect(readRevoked({ broadcast: true, presence: true }, { broadcast: true, presence: false })).toBe(true);
    expect(readRevoked({ broadcast: true, presence: false }, { broadcast: true, presence: true })).toBe(false);
    expect(readRevoked({ broadcast: false, presence: true }, { broadcast: true, presence: true })).toBe(false);
  });
});
