import type { ReactNode } from 'react';

interface Props {
  tone: 'info' | 'success' | 'error';
  children: ReactNode;
}

/**
 * A message block. Errors are announced at once (`role="alert"`); other notices politely
 * (`role="status"`).
 */
export function Notice({ tone, children }: Props) {
  return (
    <div className={`notice notice--${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
