import { useRef, useState, type FormEvent } from 'react';
import { flushSync } from 'react-dom';
import { Navigate, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { AlertCircle, Info, LogIn } from 'lucide-react';
import { useAuth } from '@/hooks/useAuth';
import { useErrorText } from '@/hooks/useErrorText';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { LanguageSwitcher } from '@/components/layout/LanguageSwitcher';

type LoginField = 'email' | 'password';
type Problems = Partial<Record<LoginField, 'emailRequired' | 'emailFormat' | 'passwordRequired'>>;

// The browser's own check for type="email", enough to catch a typo before a round trip.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function check(email: string, password: string): Problems {
  const problems: Problems = {};
  if (email.trim() === '') problems.email = 'emailRequired';
  else if (!EMAIL.test(email.trim())) problems.email = 'emailFormat';
  if (password === '') problems.password = 'passwordRequired';
  return problems;
}

export default function Login() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const { status, signIn, sessionEnded } = useAuth();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [problems, setProblems] = useState<Problems>({});
  const [touched, setTouched] = useState<Partial<Record<LoginField, boolean>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  const from = (location.state as { from?: string } | null)?.from ?? '/dashboard';
  if (status === 'signedIn') return <Navigate to={from} replace />;

  // Once a field has been checked (left with an address in it, or submitted), it is checked again as it changes.
  const recheck = (field: LoginField, nextEmail = email, nextPassword = password) => {
    if (!touched[field]) return;
    const found = check(nextEmail, nextPassword);
    setProblems((prev) => ({ ...prev, [field]: found[field] }));
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const found = check(email, password);
    flushSync(() => {
      setProblems(found);
      setTouched({ email: true, password: true });
    });
    if (found.email || found.password) {
      (found.email ? emailRef : passwordRef).current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  const invalid = (field: LoginField) => (problems[field] ? { 'aria-invalid': true, 'aria-describedby': `${field}-error` } : {});

  return (
    <main id="main" className="flex min-h-screen flex-col items-center justify-center gap-4 p-4 pt-16">
      <div className="absolute end-4 top-4">
        <LanguageSwitcher />
      </div>
      <Card className="w-full max-w-sm">
        <CardHeader>
          <h1 className="text-2xl font-bold">{t('login.title')}</h1>
          <CardDescription>
            {t('app.name')} — {t('login.subtitle')}
          </CardDescription>
        </CardHeader>
        <CardContent>
          <form className="flex flex-col gap-4" onSubmit={(event) => void onSubmit(event)} noValidate>
            {sessionEnded && !error && (
              <Alert variant="info" data-testid="session-ended">
                <Info aria-hidden="true" />
                <AlertDescription>{t('login.sessionEnded')}</AlertDescription>
              </Alert>
            )}
            {error && (
              <Alert variant="destructive" data-testid="login-error">
                <AlertCircle aria-hidden="true" />
                <AlertDescription>{error}</AlertDescription>
              </Alert>
            )}
            <Field
              className="gap-2"
              htmlFor="email"
              label={t('login.email')}
              error={problems.email ? t(`login.validation.${problems.email}`) : null}
              errorId="email-error"
            >
              <Input
                ref={emailRef}
                id="email"
                name="email"
                type="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => {
                  setEmail(e.target.value);
                  recheck('email', e.target.value);
                }}
                onBlur={() => {
                  // A typed address is checked on leaving the field; an empty one waits for the submit.
                  if (email.trim() === '') return;
                  setTouched((prev) => ({ ...prev, email: true }));
                  setProblems((prev) => ({ ...prev, email: check(email, password).email }));
                }}
                dir="ltr"
                {...invalid('email')}
              />
            </Field>
            <Field
              className="gap-2"
              htmlFor="password"
              label={t('login.password')}
              error={problems.password ? t(`login.validation.${problems.password}`) : null}
              errorId="password-error"
            >
              <Input
                ref={passwordRef}
                id="password"
                name="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => {
                  setPassword(e.target.value);
                  recheck('password', email, e.target.value);
                }}
                dir="ltr"
                {...invalid('password')}
              />
            </Field>
            <Button type="submit" disabled={busy || status === 'loading'}>
              <LogIn className="rtl-mirror" aria-hidden="true" />
              {busy ? t('login.submitting') : t('login.submit')}
            </Button>
          </form>
        </CardContent>
      </Card>
    </main>
  );
}
