/** One HTTP request as the gateway hands it to a service (rest, auth, functions). */
export interface GatewayRequest {
  method: string;
  /** Full URL; `pathname` still includes the service prefix (e.g. `/rest/v1/leads`). */
  url: URL;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface GatewayResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** The caller as the verified JWT says (anon when only the anon key was sent). */
export interface RequestAuth {
  role: string;
  claims: Record<string, unknown>;
}

export type ServiceHandler = (request: GatewayRequest, auth: RequestAuth) => Promise<GatewayResponse>;
