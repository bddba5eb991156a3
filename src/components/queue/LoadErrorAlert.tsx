import { AlertTriangle } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { useErrorText } from '@/hooks/useErrorText';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';

/** A failed load, in the user's language, with a retry button where one helps. */
export function LoadErrorAlert({ error, onRetry, className }: { error: unknown; onRetry?: () => void; className?: string }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  return (
    <Alert variant="destructive" className={className}>
      <AlertTriangle aria-hidden="true" />
      <AlertDescription className="flex flex-wrap items-center gap-2">
        {t('common.loadError', { message: errorText(error) })}
        {onRetry && (
          <Button size="sm" variant="outline" onClick={onRetry}>
            {t('common.retry')}
          </Button>
        )}
      </AlertDescription>
    </Alert>
  );
}
