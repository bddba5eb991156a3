import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';

export default function NotFound() {
  const { t } = useTranslation();
  return (
    <div className="flex flex-col items-start gap-3">
      <h1 className="text-2xl font-bold">{t('app.notFound')}</h1>
      <Link className="text-primary underline" to="/dashboard">
        {t('app.backHome')}
      </Link>
    </div>
  );
}
