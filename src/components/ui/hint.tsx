import { useId, type ReactNode } from 'react';
import { Info } from 'lucide-react';
import { cn } from '@/lib/utils';

/**
 * An info button whose explanation shows on hover, keyboard focus or tap, and is the button's description
 * for screen readers. The text spans the nearest positioned ancestor, so it never runs off a narrow screen.
 */
export function Hint({ label, children, className }: { label: string; children: ReactNode; className?: string }) {
  const id = useId();
  return (
    <span data-slot="hint" className="group/hint inline-flex align-middle">
      <button
        type="button"
        aria-label={label}
        aria-describedby={id}
        className="rounded-full p-0.5 text-muted-foreground hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        onKeyDown={(event) => {
          if (event.key === 'Escape') event.currentTarget.blur();
        }}
      >
        <Info className="size-3.5" aria-hidden="true" />
      </button>
      <span
        role="tooltip"
        id={id}
        className={cn(
          'absolute inset-x-2 top-full z-20 mt-1 hidden rounded-md border border-border bg-card p-2 text-start text-xs font-normal leading-snug text-foreground shadow-md group-hover/hint:block group-focus-within/hint:block',
          className,
        )}
      >
        {children}
      </span>
    </span>
  );
}
