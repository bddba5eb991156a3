import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { ArrowRight } from 'lucide-react';
import { useAuth } from '@/hooks/useAuth';
import { Button } from '@/components/ui/button';
import { AdminPicker } from '@/components/queue/AdminPicker';
import { QueueProcessingStatus } from '@/components/queue/QueueProcessingStatus';
import { QueueMetricsDisplay } from '@/components/queue/QueueMetricsDisplay';

export default function Dashboard() {
  const { t } = useTranslation();
  const { membership } = useAuth();
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold">{t('dashboard.title')}</h1>
          <p className="text-muted-foreground">{t('dashboard.subtitle')}</p>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <AdminPicker />
          <Button asChild variant="outline">
          <Link to="/admin/queue-management">
            {t('dashboard.manage')}
            <ArrowRight className="rtl-mirror" aria-hidden="true" />
          </Link>
          </Button>
        </div>
      </div>
      <QueueProcessingStatus />
      <QueueMetricsDisplay showPerformance={membership?.role === 'manager'} />
    </div>
  );
}
