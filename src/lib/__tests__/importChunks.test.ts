import { describe, expect, it } from 'vitest';
import { chunkDependencies, sendChunks } from '@/lib/importChunks';

const rows = (...phones: (string | undefined)[]) => phones.map((phone) => (phone === undefined ? {} : { phone }));

/** A send whose calls the test finishes by hand, in any order. */
function manualSend() {
  const calls: { index: number; finish: () => void; fail: (error: unknown) => void }[] = [];
  const send = (index: number) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ index, finish: resolve, fail: reject });
    });
  return { calls, send };
}
function call<T>(calls: T[], index: number): T {
  const found = calls[index];
  if (found === undefined) throw new Error(`call ${index} was not made`);
  return found;
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('chunkDependencies', () => {
  it('names the earlier chunks that share a phone, the latest holder of each phone', () => {
    const chunks = [rows('+1', '+2'), rows('+3', undefined), rows('+2', '+4'), rows('+2', '+1', '+3'), rows('+5')];
    expect(chunkDependencies(chunks)).toEqual([[], [], [0], [0, 1, 2], []]);
  });

  it('a phone twice inside one chunk is that chunk\'s own business', () => {
    expect(chunkDependencies([rows('+1', '+1'), rows('+2')])).toEqual([[], []]);
  });
});

describe('sendChunks', () => {
  it('keeps two chunks in flight and starts the next as soon as one is done', async () => {
    const { calls, send } = manualSend();
    const progress: number[] = [];
    const run = sendChunks([rows('+1'), rows('+2'), rows('+3'), rows('+4')], send, (done) => progress.push(done));
    await settle();
    expect(calls.map((c) => c.index)).toEqual([0, 1]);
    call(calls, 1).finish();
    await settle();
    expect(calls.map((c) => c.index)).toEqual([0, 1, 2]);
    call(calls, 0).finish();
    await settle();
    call(calls, 2).finish();
    call(calls, 3).finish();
    expect(await run).toEqual({ done: 4, failure: null });
    expect(progress).toEqual([1, 2, 3, 4]);
  });

  it('a chunk sharing a phone with one in flight waits for it, so the phone\'s rows apply in file order', async () => {
    const { calls, send } = manualSend();
    const run = sendChunks([rows('+1', '+2'), rows('+2'), rows('+3')], send);
    await settle();
    // Chunk 1 holds a slot but has not been sent: chunk 0 still writes +2.
    expect(calls.map((c) => c.index)).toEqual([0]);
    call(calls, 0).finish();
    await settle();
    expect(calls.map((c) => c.index)).toEqual([0, 1, 2]);
    call(calls, 1).finish();
    call(calls, 2).finish();
    expect(await run).toEqual({ done: 3, failure: null });
  });

  it('after a failure no chunk starts, the one in flight finishes, and the count says what was applied', async () => {
    const { calls, send } = manualSend();
    const run = sendChunks([rows('+1'), rows('+2'), rows('+3'), rows('+2')], send);
    await settle();
    call(calls, 0).fail(new Error('statement timeout'));
    await settle();
    expect(calls.map((c) => c.index)).toEqual([0, 1]);
    call(calls, 1).finish();
    const result = await run;
    expect(result.done).toBe(1);
    expect(result.failure).toEqual(new Error('statement timeout'));
    expect(calls.map((c) => c.index)).toEqual([0, 1]);
  });

  it('one at a time when asked, in order', async () => {
    const order: number[] = [];
    const result = await sendChunks([rows('+1'), rows('+2'), rows('+3')], async (index) => {
      order.push(index);
      await settle();
    }, undefined, 1);
    expect(order).toEqual([0, 1, 2]);
    expect(result.done).toBe(3);
  });
});
