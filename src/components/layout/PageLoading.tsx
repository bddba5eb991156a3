import { useTranslation } from 'react-i18next';
import { Loader2 } from 'lucide-react';

export function PageLoading() {
  const { t } = useTranslation();
  return (
    <div role="status" className="flex items-center justify-center gap-2 p-10 text-muted-foreground">
      <Loader2 className="size-5 motion-safe:animate-spin" aria-hidden="true" />
      <span>{t('app.loading')}</span>
    </div>
  );
}
