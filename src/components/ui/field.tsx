import type * as React from 'react';
import { cn } from '@/lib/utils';
import { Label } from './label';

type FieldProps = React.ComponentProps<'div'> & {
  label: string;
  /** The id of the control the label names. */
  htmlFor: string;
  /** Visually hidden label, for controls whose row already says what they are. */
  hideLabel?: boolean;
  /** A problem with the value; shown under the control with `errorId`, which the control's aria-describedby names. */
  error?: string | null;
  errorId?: string;
};

/** A label above its control, with the control's error under it. */
export function Field({ label, htmlFor, hideLabel = false, error, errorId, className, children, ...props }: FieldProps) {
  return (
    <div data-slot="field" className={cn('flex flex-col gap-1.5', className)} {...props}>
      <Label htmlFor={htmlFor} className={hideLabel ? 'sr-only' : undefined}>
        {label}
      </Label>
      {children}
      <FieldMessage id={errorId} message={error} />
    </div>
  );
}

/** A problem with a value, in words; renders nothing when there is none. */
export function FieldMessage({ id, message }: { id: string | undefined; message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p id={id} data-slot="field-error" className="text-xs font-medium text-destructive">
      {message}
    </p>
  );
}
