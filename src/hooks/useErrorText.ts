import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { toServiceError } from '@/services/errors';

/** The sentence a user reads for a failure, in their language: the one place errors become text. */
export function describeError(error: unknown, t: TFunction): string {
  const failure = toServiceError(error);
  return t(`errors.${failure.code}`, { message: failure.message, seconds: failure.details.retryAfter ?? '?' });
}

/** `describeError` bound to the current language. */
export function useErrorText(): (error: unknown) => string {
  const { t } = useTranslation();
  return useCallback((error: unknown) => describeError(error, t), [t]);
}
