import type { TFunction } from 'i18next';
import { parseBackendMessage } from '@/lib/backendMessages';
import { toServiceError } from '@/services/errors';
import type { QueueAlert } from '@/types/queue';

export interface DescribeOptions {
  /** A holiday's name in the user's language (the admin page loads hebcal's names; elsewhere the English name stays). */
  holidayName?: (name: string) => string;
  /** A `YYYY-MM-DD` day in the user's language. */
  formatDay?: (day: string) => string;
  /** The admin's zone in words, for "outside business hours (09:00–17:00, Israel Time)". */
  zoneName?: string;
}

/** What support needs to find a failure: the backend's own code, else the HTTP status, else the error's type. */
function supportCode(failure: ReturnType<typeof toServiceError>): string {
  return failure.details.backendCode ?? (failure.status ? `HTTP ${failure.status}` : failure.code);
}

/**
 * The sentence a user reads for a failure, in their language: the one place errors become text. A backend
 * message is never shown; the values of a business-rule refusal (the day, the hours, the numbers) are read
 * out of it and said in the user's language.
 */
export function describeError(error: unknown, t: TFunction, options: DescribeOptions = {}): string {
  const failure = toServiceError(error);
  const detail = parseBackendMessage(failure.message);
  switch (failure.code) {
    case 'business_closed':
      if (detail?.kind === 'closedWeekday') return t('errors.business_closed_day', { day: t(`settings.days.${detail.weekday}`) });
      if (detail?.kind === 'closedDate') return t('errors.business_closed_date', { date: options.formatDay?.(detail.date) ?? detail.date });
      break;
    case 'holiday':
      if (detail?.kind === 'holiday') return t('errors.holiday_named', { name: options.holidayName?.(detail.name) ?? detail.name });
      break;
    case 'outside_business_hours':
      if (detail?.kind === 'outsideHours') {
        const hours = { start: detail.start, end: detail.end };
        return options.zoneName ? t('errors.outside_business_hours_zone', { ...hours, zone: options.zoneName }) : t('errors.outside_business_hours_hours', hours);
      }
      break;
    case 'capacity_exceeded':
      if (detail?.kind === 'capacity') return t('errors.capacity_exceeded_numbers', { total: detail.total, capacity: detail.capacity });
      break;
    case 'rate_limited': {
      const seconds = failure.details.retryAfter ?? (detail?.kind === 'rateLimit' ? detail.seconds : undefined);
      return seconds === undefined ? t('errors.rate_limited') : t('errors.rate_limited_wait', { count: seconds });
    }
    default:
      break;
  }
  return t(`errors.${failure.code}`, { code: supportCode(failure) });
}

/** The Agent DB failure codes the processor and agent-callback record (agentWebhook.ts, processor_api, the reference workflow). */
export const AGENT_FAILURE_CODES = ['timeout', 'connection_error', 'agent_rejected', 'not_configured', 'lease_expired', 'conversation_start_failed', 'opted_out'] as const;
type AgentFailureCode = (typeof AGENT_FAILURE_CODES)[number];

function isAgentFailureCode(code: string): code is AgentFailureCode {
  return AGENT_FAILURE_CODES.some((known) => known === code);
}

/** Why sending an item failed, from its error_code (`http_400`, `timeout`, …); the raw last_error stays out of sight. */
export function describeAgentFailure(code: string, t: TFunction): string {
  const http = /^http_(\d{3})$/.exec(code);
  if (http) {
    const status = Number(http[1]);
    if (status === 429) return t('agentErrors.http_429', { status });
    return t(status === 408 || status >= 500 ? 'agentErrors.http_unavailable' : 'agentErrors.http_refused', { status });
  }
  return isAgentFailureCode(code) ? t(`agentErrors.${code}`) : t('agentErrors.unknown', { code });
}

/** The alerts queue_alerts() raises (supabase/migrations, monitoring). */
export const ALERT_CODES = ['queue_depth', 'low_throughput', 'failure_rate', 'rate_limited', 'business_hours_violation'] as const;
type AlertCode = (typeof ALERT_CODES)[number];

function isAlertCode(code: string): code is AlertCode {
  return ALERT_CODES.some((known) => known === code);
}

/** An alert in words, with its numbers; a code this app does not know yet still says its code and value. */
export function describeAlert(alert: QueueAlert, t: TFunction, formatNumber: (value: number) => string, formatPercent: (value: number) => string): string {
  const value = alert.value ?? 0;
  const threshold = alert.threshold ?? 0;
  if (!isAlertCode(alert.code)) return t('alerts.unknown', { code: alert.code, value: formatNumber(value) });
  if (alert.code === 'failure_rate') return t('alerts.failure_rate', { value: formatPercent(value), threshold: formatPercent(threshold) });
  return t(`alerts.${alert.code}`, { count: value, value: formatNumber(value), threshold: formatNumber(threshold) });
}

/** A warning queue-leads passed on (today: the daily target), in words. */
export function describeWarning(warning: string, t: TFunction): string {
  const detail = parseBackendMessage(warning);
  if (detail?.kind === 'dailyTarget') return t('leads.warnings.dailyTarget', { total: detail.total, target: detail.target });
  return t('leads.warnings.other');
}
