import type * as React from 'react';
import { cn } from '@/lib/utils';

export interface NativeSelectOption<T extends string> {
  value: T;
  label: string;
  lang?: string;
}

type NativeSelectProps<T extends string> = Omit<React.ComponentProps<'select'>, 'value' | 'onChange' | 'children'> & {
  value: T;
  options: readonly NativeSelectOption<T>[];
  onValueChange: (value: T) => void;
};

/** A native select (filters, language): typed values, no portal, works with the browser's own keyboard and screen reader support. */
export function NativeSelect<T extends string>({ className, value, options, onValueChange, ...props }: NativeSelectProps<T>) {
  return (
    <select
      data-slot="native-select"
      className={cn(
        'h-10 rounded-md border border-input bg-card px-3 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring',
        className,
      )}
      value={value}
      onChange={(event) => {
        const chosen = options.find((option) => option.value === event.target.value);
        if (chosen) onValueChange(chosen.value);
      }}
      {...props}
    >
      {options.map((option) => (
        <option key={option.value} value={option.value} lang={option.lang}>
          {option.label}
        </option>
      ))}
    </select>
  );
}
