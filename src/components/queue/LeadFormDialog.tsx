import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import type { CountryCode } from 'libphonenumber-js/min';
import { useErrorText } from '@/hooks/useErrorText';
import { useLeadEditor } from '@/hooks/useLeadManagement';
import { normalisePhone } from '@/lib/leadImport';
import type { Lead } from '@/types/queue';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';

interface Props {
  clientId: string;
  region: string;
  /** The lead to edit; null adds one. */
  lead: Lead | null;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSaved: () => void;
}

const splitTags = (text: string) => [...new Set(text.split(',').map((tag) => tag.trim()).filter(Boolean))];

/** Add or edit a lead: name, phone (read in the client's region), email and tags; opting out asks first and is final. */
export function LeadFormDialog({ clientId, region, lead, open, onOpenChange, onSaved }: Props) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const { save, optOut } = useLeadEditor(clientId);
  const [name, setName] = useState(lead?.name ?? '');
  const [phone, setPhone] = useState(lead?.phone ?? '');
  const [email, setEmail] = useState(lead?.email ?? '');
  const [tags, setTags] = useState(lead?.tags.join(', ') ?? '');
  const [problems, setProblems] = useState<{ name?: string; phone?: string }>({});
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const ids = { name: useId(), phone: useId(), email: useId(), tags: useId(), tagsHint: useId(), nameError: useId(), phoneError: useId() };

  const submit = async () => {
    const e164 = normalisePhone(phone, region as CountryCode);
    const found = { ...(name.trim() ? {} : { name: t('leads.required') }), ...(e164 ? {} : { phone: t('leads.invalidPhone') }) };
    setProblems(found);
    if (!e164 || Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      await save({ name: name.trim(), phone: e164, email: email.trim() || null, tags: splitTags(tags) }, lead?.id);
      toast.success(t('leads.saved'));
      onSaved();
      onOpenChange(false);
    } catch (error) {
      toast.error(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  const confirmOptOut = async () => {
    if (!lead) return;
    setBusy(true);
    try {
      await optOut(lead.id);
      toast.success(t('leads.optedOutDone', { name: lead.name }));
      onSaved();
      onOpenChange(false);
    } catch (error) {
      toast.error(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent closeLabel={t('common.close')} data-testid="lead-dialog">
        {confirming && lead ? (
          <>
            <DialogHeader>
              <DialogTitle>{t('leads.optOutTitle', { name: lead.name })}</DialogTitle>
              <DialogDescription>{t('leads.optOutText')}</DialogDescription>
            </DialogHeader>
            <DialogFooter>
              <Button variant="outline" onClick={() => setConfirming(false)}>
                {t('leads.cancel')}
              </Button>
              <Button variant="destructive" data-testid="opt-out-confirm" disabled={busy} onClick={() => void confirmOptOut()}>
                {t('leads.optOutConfirm')}
              </Button>
            </DialogFooter>
          </>
        ) : (
          <form
            className="grid gap-4"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              void submit();
            }}
          >
            <DialogHeader>
              <DialogTitle>{lead ? t('leads.editLead') : t('leads.addLead')}</DialogTitle>
              <DialogDescription className="sr-only">{lead ? t('leads.edit', { name: lead.name }) : t('leads.addLead')}</DialogDescription>
            </DialogHeader>
            <Field htmlFor={ids.name} label={t('leads.name')} error={problems.name} errorId={ids.nameError}>
              <Input id={ids.name} data-testid="lead-name" value={name} maxLength={200} aria-invalid={!!problems.name} aria-describedby={problems.name ? ids.nameError : undefined} onChange={(event) => setName(event.target.value)} />
            </Field>
            <Field htmlFor={ids.phone} label={t('leads.phone')} error={problems.phone} errorId={ids.phoneError}>
              <Input id={ids.phone} data-testid="lead-phone" dir="ltr" inputMode="tel" value={phone} aria-invalid={!!problems.phone} aria-describedby={problems.phone ? ids.phoneError : undefined} onChange={(event) => setPhone(event.target.value)} />
            </Field>
            <Field htmlFor={ids.email} label={t('leads.email')}>
              <Input id={ids.email} data-testid="lead-email" dir="ltr" type="email" value={email} onChange={(event) => setEmail(event.target.value)} />
            </Field>
            <Field htmlFor={ids.tags} label={t('leads.tags')}>
              <Input id={ids.tags} data-testid="lead-tags" aria-describedby={ids.tagsHint} value={tags} onChange={(event) => setTags(event.target.value)} />
              <p id={ids.tagsHint} className="text-xs text-muted-foreground">
                {t('leads.tagsHint')}
              </p>
            </Field>
            <DialogFooter>
              {lead && !lead.opted_out_at && (
                <Button type="button" variant="destructive" className="sm:me-auto" data-testid="opt-out" onClick={() => setConfirming(true)}>
                  {t('leads.optOut')}
                </Button>
              )}
              <Button type="submit" data-testid="lead-save" disabled={busy}>
                {t('leads.save')}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
