/** CORS for the SPA on any origin: auth is by bearer token, never cookies. */
export const corsHeaders: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'authorization, x-client-info, apikey, content-type, x-region',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Max-Age': '86400',
};

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...corsHeaders, 'Content-Type': 'application/json', ...headers },
  });
}

export interface ErrorExtra {
  [key: string]: unknown;
  /** Sent as the Retry-After header (seconds) as well as in the body. */
  retryAfter?: number;
}

/** Every error a function returns: `{error: {code, message, ...extra}}`. */
export function errorResponse(status: number, code: string, message: string, extra: ErrorExtra = {}): Response {
  const headers: Record<string, string> = {};
  if (extra.retryAfter !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(extra.retryAfter)));
  return jsonResponse({ error: { code, message, ...extra } }, status, headers);
}

export function preflight(request: Request): Response | null {
  return request.method === 'OPTIONS' ? new Response('ok', { headers: corsHeaders }) : null;
}

/** Parses a JSON body; null when the body is empty or not JSON (the caller answers 400). */
export async function readJson(request: Request, maxBytes = 256 * 1024): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  const text = await request.text();
  if (text.length > maxBytes) return { ok: false, message: `Body larger than ${maxBytes} bytes` };
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, message: 'Body is not valid JSON' };
  }
}

/** The bearer token of a request, or null. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1] ?? null;
}
