import { Component, type ErrorInfo, type ReactNode } from 'react';
import { AlertTriangle } from 'lucide-react';
import { describeError } from '@/hooks/useErrorText';
import i18n from '@/i18n';

interface State {
  error: Error | null;
}

/** Shows a failed page (e.g. a lazy chunk that did not load after a deploy) with a way out. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('Page failed to render', error, info.componentStack);
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div role="alert" className="mx-auto mt-10 flex max-w-xl flex-col items-start gap-3 rounded-lg border border-destructive/30 bg-danger-soft p-5 text-destructive">
        <p className="flex items-center gap-2 font-semibold">
          <AlertTriangle className="size-5" aria-hidden="true" />
          {describeError(this.state.error, i18n.t)}
        </p>
        <button type="button" className="rounded-md border border-destructive px-3 py-1.5 text-sm" onClick={() => window.location.reload()}>
          {i18n.t('common.retry')}
        </button>
      </div>
    );
  }
}
