import { AlertTriangle } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';

/** A failed load, in the user's language, with a retry button. */
export function LoadErrorAlert({ message, onRetry, className }: { message: string; onRetry: () => void; className?: string }) {
  const { t } = useTranslation();
  return (
    <Alert variant="destructive" className={cn(className)}>
      <AlertTriangle aria-hidden="true" />
      <AlertDescription className="flex flex-wrap items-center gap-2">
        {t('common.loadError', { message })}
        <Button size="sm" variant="outline" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      </AlertDescription>
    </Alert>
  );
}
