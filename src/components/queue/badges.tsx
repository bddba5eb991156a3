import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { AlertTriangle, Ban, CheckCircle, Clock, ListOrdered, RefreshCw } from 'lucide-react';
import { Badge, type BadgeVariant } from '@/components/ui/badge';
import type { QueueItemStatus, QueuePriority } from '@/types/queue';

const STATUS: Record<QueueItemStatus, { variant: BadgeVariant; icon: ReactNode }> = {
  pending: { variant: 'secondary', icon: <Clock aria-hidden="true" /> },
  queued: { variant: 'info', icon: <ListOrdered aria-hidden="true" /> },
  processing: { variant: 'default', icon: <RefreshCw className="motion-safe:animate-spin" aria-hidden="true" /> },
  sent: { variant: 'success', icon: <CheckCircle aria-hidden="true" /> },
  failed: { variant: 'destructive', icon: <AlertTriangle aria-hidden="true" /> },
  cancelled: { variant: 'outline', icon: <Ban aria-hidden="true" /> },
};

const PRIORITY: Record<QueuePriority, BadgeVariant> = {
  immediate: 'destructive',
  high: 'warning',
  normal: 'secondary',
  low: 'outline',
};

export function StatusBadge({ status }: { status: QueueItemStatus }) {
  const { t } = useTranslation();
  const { variant, icon } = STATUS[status];
  return (
    <Badge variant={variant} data-status={status}>
      {icon}
      {t(`queue.status.${status}`)}
    </Badge>
  );
}

export function PriorityBadge({ priority }: { priority: QueuePriority }) {
  const { t } = useTranslation();
  return (
    <Badge variant={PRIORITY[priority]} data-priority={priority}>
      {t(`queue.priority.${priority}`)}
    </Badge>
  );
}
