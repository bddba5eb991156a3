import type { TFunction } from 'i18next';
import { QueueLeadsError } from '@/types/queue';

/**
 * The sentence a user sees for a refused queue request. English shows the function's own
 * message (it names the day or the limit); other languages translate by error code.
 */
export function describeQueueError(error: unknown, t: TFunction, lang: string): string {
  const failure = error instanceof QueueLeadsError ? error : new QueueLeadsError('unknown', error instanceof Error ? error.message : String(error));
  if (failure.code === 'network') return t('errors.network');
  if (lang === 'en') return failure.message;
  return t(`errors.${failure.code}`, { message: failure.message, seconds: failure.retryAfter ?? '?' });
}
