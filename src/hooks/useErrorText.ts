import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError, type DescribeOptions } from './errorText';
import { useFormat } from './useFormat';

export { describeAgentFailure, describeAlert, describeError, describeWarning } from './errorText';

/** `describeError` bound to the current language and the admin's zone. */
export function useErrorText(options: Pick<DescribeOptions, 'holidayName'> = {}): (error: unknown) => string {
  const { t } = useTranslation();
  const format = useFormat();
  const { holidayName } = options;
  return useCallback(
    (error: unknown) => describeError(error, t, { holidayName, formatDay: format.day, zoneName: format.zoneName }),
    [t, holidayName, format],
  );
}
