import { describe, expect, it } from 'vitest';
import { apiState, createTrackedFetch, onApiState, onUnauthorized } from '../apiHealth';

// The network answers with the status the URL names ("/rest/v1/leads?401"); "unreachable" never answers.
const network = createTrackedFetch(async (input, init) => {
  const url = String(input);
  if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
  if (url.includes('unreachable')) throw new TypeError('Failed to fetch');
  return new Response('{}', { status: Number(url.split('?')[1] ?? 200) });
});

describe('trackedFetch: whether the API answers, and who was refused', () => {
  it('goes down when nothing answers or the gateway cannot reach the API, and up with the next answer', async () => {
    const states: string[] = [];
    const stop = onApiState((state) => states.push(state));
    await expect(network('http://unreachable/rest/v1/leads')).rejects.toThrow('Failed to fetch');
    expect(apiState()).toBe('down');
    await network('http://api/rest/v1/leads?200');
    expect(apiState()).toBe('up');
    await network('http://api/rest/v1/leads?503');
    expect(apiState()).toBe('down');
    await network('http://api/rest/v1/leads?404');
    expect(states).toEqual(['down', 'up', 'down', 'up']);
    stop();
  });

  it('reports a 401 from the data API and functions, not from the auth server’s own endpoints', async () => {
    let refused = 0;
    const stop = onUnauthorized(() => (refused += 1));
    await network('http://api/rest/v1/leads?401');
    await network('http://api/functions/v1/queue-leads?401');
    await network('http://api/auth/v1/token?401');
    await network('http://api/rest/v1/leads?403');
    expect(refused).toBe(2);
    stop();
  });

  it('does not call an aborted request an outage', async () => {
    await network('http://api/rest/v1/leads?200');
    const controller = new AbortController();
    controller.abort();
    await expect(network('http://api/rest/v1/leads?200', { signal: controller.signal })).rejects.toThrow();
    expect(apiState()).toBe('up');
  });
});
