import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Eye } from 'lucide-react';
import { useAuth } from '@/hooks/useAuth';
import { useNavigationGuard } from '@/hooks/useNavigationGuard';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { AdminPicker } from '@/components/queue/AdminPicker';
import { LeadSelectionGrid } from '@/components/queue/LeadSelectionGrid';
import { QueueManagementDashboard } from '@/components/queue/QueueManagementDashboard';
import { QueueMetricsDisplay } from '@/components/queue/QueueMetricsDisplay';
import { QueueProcessingStatus } from '@/components/queue/QueueProcessingStatus';
import { QueueSettingsPanel } from '@/components/queue/QueueSettingsPanel';

const TABS = ['queue', 'settings', 'metrics'] as const;
type Tab = (typeof TABS)[number];

export default function QueueManagement() {
  const { t } = useTranslation();
  const { membership } = useAuth();
  const [tab, setTab] = useState<Tab>('queue');
  // Unsaved settings would be lost with the settings tab: a switch away asks first.
  const guard = useNavigationGuard();
  if (!membership) return null;
  const isAdmin = membership.role === 'admin';

  const changeTab = (value: string) => {
    const next = TABS.find((known) => known === value);
    if (next && next !== tab) guard.confirm(() => setTab(next));
  };

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 className="text-2xl font-bold">{t('queuePage.title')}</h1>
        <AdminPicker />
      </div>
      {!isAdmin && (
        <Alert variant="info" data-testid="read-only-notice">
          <Eye aria-hidden="true" />
          <AlertDescription>{t('queuePage.readOnly')}</AlertDescription>
        </Alert>
      )}
      <QueueProcessingStatus />
      <Tabs value={tab} onValueChange={changeTab}>
        <TabsList>
          <TabsTrigger value="queue">{t('queuePage.tabs.queue')}</TabsTrigger>
          <TabsTrigger value="settings">{t('queuePage.tabs.settings')}</TabsTrigger>
          <TabsTrigger value="metrics">{t('queuePage.tabs.metrics')}</TabsTrigger>
        </TabsList>
        <TabsContent value="queue" className="flex flex-col gap-6">
          <QueueManagementDashboard />
          <LeadSelectionGrid clientId={membership.clientId} readOnly={!isAdmin} />
        </TabsContent>
        <TabsContent value="settings">
          {/* Managers see the picked admin's settings with every field disabled. */}
          <QueueSettingsPanel />
        </TabsContent>
        <TabsContent value="metrics">
          <QueueMetricsDisplay showPerformance={!isAdmin} />
        </TabsContent>
      </Tabs>
    </div>
  );
}
