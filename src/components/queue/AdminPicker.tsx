import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Users } from 'lucide-react';
import { useQueueScope } from '@/hooks/useQueueScope';
import { useQueueStatus } from '@/hooks/useQueueStatus';
import { NativeSelect } from '@/components/ui/native-select';

const TOTAL = 'total';

/** For managers: whose queue the page shows (settings, outlook, ETA, numbers), or the client's total. */
export function AdminPicker() {
  const { t } = useTranslation();
  const { canPick, admins, adminId, pick } = useQueueScope();
  const { admins: status } = useQueueStatus();
  const id = useId();
  if (!canPick || admins.length === 0) return null;
  const emailOf = (userId: string) => status.find((row) => row.user_id === userId)?.email ?? t('metrics.formerAdmin');
  const options = [{ value: TOTAL, label: t('scope.total') }, ...admins.map((admin) => ({ value: admin.userId, label: emailOf(admin.userId) }))];
  return (
    <div className="flex min-w-0 flex-wrap items-center gap-2">
      <Users className="size-4 text-muted-foreground" aria-hidden="true" />
      <label htmlFor={id} className="text-sm font-medium">
        {t('scope.label')}
      </label>
      <NativeSelect
        id={id}
        data-testid="admin-picker"
        className="h-9 max-w-full min-w-0 px-2"
        value={adminId ?? TOTAL}
        options={options}
        onValueChange={(value) => pick(value === TOTAL ? null : value)}
      />
    </div>
  );
}
