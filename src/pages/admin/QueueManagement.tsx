import { useTranslation } from 'react-i18next';
import { Eye } from 'lucide-react';
import { useAuth } from '@/hooks/useAuth';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { LeadSelectionGrid } from '@/components/queue/LeadSelectionGrid';
import { QueueManagementDashboard } from '@/components/queue/QueueManagementDashboard';
import { QueueMetricsDisplay } from '@/components/queue/QueueMetricsDisplay';
import { QueueExportCard } from '@/components/queue/QueueExportCard';
import { QueueProcessingStatus } from '@/components/queue/QueueProcessingStatus';
import { QueueSettingsPanel } from '@/components/queue/QueueSettingsPanel';

export default function QueueManagement() {
  const { t } = useTranslation();
  const { membership } = useAuth();
  if (!membership) return null;
  const isAdmin = membership.role === 'admin';
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-bold">{t('queuePage.title')}</h1>
      {!isAdmin && (
        <Alert variant="info" data-testid="read-only-notice">
          <Eye aria-hidden="true" />
          <AlertDescription>{t('queuePage.readOnly')}</AlertDescription>
        </Alert>
      )}
      <QueueProcessingStatus />
      <Tabs defaultValue="queue">
        <TabsList>
          <TabsTrigger value="queue">{t('queuePage.tabs.queue')}</TabsTrigger>
          <TabsTrigger value="settings">{t('queuePage.tabs.settings')}</TabsTrigger>
          <TabsTrigger value="metrics">{t('queuePage.tabs.metrics')}</TabsTrigger>
        </TabsList>
        <TabsContent value="queue" className="flex flex-col gap-6">
          <QueueManagementDashboard />
          <LeadSelectionGrid clientId={membership.clientId} readOnly={!isAdmin} />
          <QueueExportCard clientId={membership.clientId} />
        </TabsContent>
        <TabsContent value="settings">
          {/* Managers see the admin's settings with every field disabled. */}
          <QueueSettingsPanel />
        </TabsContent>
        <TabsContent value="metrics">
          <QueueMetricsDisplay showPerformance={!isAdmin} />
        </TabsContent>
      </Tabs>
    </div>
  );
}
