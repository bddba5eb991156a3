import { useTranslation } from 'react-i18next';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogTitle } from '@/components/ui/dialog';

/** Asks before unsaved settings are thrown away: keep editing (the default) or discard them. */
export default function UnsavedChangesDialog({ open, onKeep, onDiscard }: { open: boolean; onKeep: () => void; onDiscard: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog open={open} onOpenChange={(next) => !next && onKeep()}>
      <DialogContent role="alertdialog" closeLabel={t('common.close')} data-testid="unsaved-dialog">
        <DialogTitle>{t('settings.unsaved.title')}</DialogTitle>
        <DialogDescription>{t('settings.unsaved.body')}</DialogDescription>
        <DialogFooter>
          <Button variant="outline" onClick={onDiscard} data-testid="discard-changes">
            {t('settings.unsaved.discard')}
          </Button>
          <Button onClick={onKeep} data-testid="keep-editing" autoFocus>
            {t('settings.unsaved.keep')}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
