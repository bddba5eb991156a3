/**
 * Sends an import's chunks two at a time, yet with the same result as one after the other: a chunk that shares a phone
 * with an earlier chunk starts only once that chunk is done, so rows of one phone still apply in file order (create, then
 * update), and chunks without a common phone touch different leads and commute. The server's time per chunk is one
 * PostgreSQL backend's, so a second request in flight uses the second core.
 */
export const IMPORT_CONCURRENCY = 2;

/** For each chunk, the earlier chunks it shares a phone with (rows without a phone are reported, never written). */
export function chunkDependencies(chunks: readonly (readonly { phone?: string }[])[]): number[][] {
  const lastChunkOf = new Map<string, number>();
  return chunks.map((rows, index) => {
    const after = new Set<number>();
    for (const { phone } of rows) {
      if (phone === undefined) continue;
      const earlier = lastChunkOf.get(phone);
      if (earlier !== undefined && earlier !== index) after.add(earlier);
      lastChunkOf.set(phone, index);
    }
    return [...after].sort((a, b) => a - b);
  });
}

export interface ChunkRun {
  /** Chunks the server has applied. */
  done: number;
  /** The first failure; no chunk starts after it (the ones in flight finish). */
  failure: unknown;
}

/**
 * Starts the chunks in order, at most `concurrency` in flight, each after the chunks it depends on; `onDone` is called
 * with the number applied so far. Resolves once nothing is in flight.
 */
export async function sendChunks<T extends { phone?: string }>(
  chunks: readonly (readonly T[])[],
  send: (index: number, rows: readonly T[]) => Promise<void>,
  onDone: (done: number) => void = () => {},
  concurrency = IMPORT_CONCURRENCY,
): Promise<ChunkRun> {
  const after = chunkDependencies(chunks);
  const finished: Promise<boolean>[] = [];
  const inFlight = new Set<Promise<boolean>>();
  let done = 0;
  let failure: unknown = null;
  let failed = false;

  for (const [index, rows] of chunks.entries()) {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failed) break;
    const waitFor = (after[index] ?? []).map((earlier) => finished[earlier]);
    const run = (async () => {
      if (!(await Promise.all(waitFor)).every(Boolean) || failed) return false;
      try {
        await send(index, rows);
        done += 1;
        onDone(done);
        return true;
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
        return false;
      }
    })();
    finished[index] = run;
    inFlight.add(run);
    void run.then(() => inFlight.delete(run));
  }
  await Promise.all(inFlight);
  return { done, failure };
}
