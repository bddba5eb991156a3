import type * as React from 'react';
import { cn } from '@/lib/utils';

/** A native checkbox: cheap enough for thousands of virtualised rows, and keyboard-accessible for free. */
export function Checkbox({ className, ...props }: Omit<React.ComponentProps<'input'>, 'type'>) {
  return (
    <input
      type="checkbox"
      data-slot="checkbox"
      className={cn('size-4 shrink-0 cursor-pointer rounded border-input accent-primary focus-visible:outline-2 focus-visible:outline-ring', className)}
      {...props}
    />
  );
}
