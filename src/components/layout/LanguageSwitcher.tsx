import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Languages } from 'lucide-react';
import { useLang } from '@/hooks/useLang';
import { isLanguage } from '@/i18n';

export function LanguageSwitcher() {
  const { t } = useTranslation();
  const { lang, setLang } = useLang();
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <Languages className="size-4 text-muted-foreground" aria-hidden="true" />
      <label htmlFor={id} className="sr-only">
        {t('app.language')}
      </label>
      <select
        id={id}
        data-testid="language-select"
        value={lang}
        onChange={(event) => isLanguage(event.target.value) && setLang(event.target.value)}
        className="h-9 rounded-md border border-input bg-card px-2 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
      >
        <option value="en" lang="en">English</option>
        <option value="he" lang="he">עברית</option>
      </select>
    </div>
  );
}
