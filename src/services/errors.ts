/** A failure from the data layer with a message fit to show a user. */
export class ServiceError extends Error {
  constructor(
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

interface PostgrestLikeError {
  message: string;
  code?: string;
}

/** Unwraps a supabase-js `{data, error}` result, throwing the error as a ServiceError. */
export function unwrap<T>(result: { data: T | null; error: PostgrestLikeError | null }): T {
  if (result.error) throw new ServiceError(result.error.message, result.error.code ?? null);
  if (result.data === null) throw new ServiceError('No data returned');
  return result.data;
}
