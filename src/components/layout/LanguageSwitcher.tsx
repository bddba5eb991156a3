import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Languages } from 'lucide-react';
import { useLang } from '@/hooks/useLang';
import { NativeSelect, type NativeSelectOption } from '@/components/ui/native-select';
import type { Language } from '@/i18n';

const LANGUAGES: NativeSelectOption<Language>[] = [
  { value: 'en', label: 'English', lang: 'en' },
  { value: 'he', label: 'עברית', lang: 'he' },
];

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
      <NativeSelect id={id} data-testid="language-select" className="h-9 px-2" value={lang} options={LANGUAGES} onValueChange={setLang} />
    </div>
  );
}
