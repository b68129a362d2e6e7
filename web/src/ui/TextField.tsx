import { forwardRef, type InputHTMLAttributes, type ReactNode } from 'react';

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'aria-invalid' | 'aria-describedby'> & {
  id: string;
  label: string;
  hint?: string;
  /** The message shown under the field; the field is marked invalid while it is set. */
  error?: string;
  /** Shown beside the input, on the same line (a button that helps fill it, such as a calendar). */
  addon?: ReactNode;
};

/** A labelled input with an optional hint and error, both announced as its description. */
export const TextField = forwardRef<HTMLInputElement, Props>(function TextField(
  { id, label, hint, error, addon, className, ...input },
  ref,
) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  const inputElement = (
    <input
      ref={ref}
      id={id}
      className={className ? `field__input ${className}` : 'field__input'}
      aria-invalid={error ? true : undefined}
      aria-describedby={describedBy}
      {...input}
    />
  );
  return (
    <div className={error ? 'field field--invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
      {addon ? (
        <div className="field__row">
          {inputElement}
          {addon}
        </div>
      ) : (
        inputElement
      )}
      {error ? (
        <p id={errorId} className="field__error">
          {error}
        </p>
      ) : null}
    </div>
  );
});
