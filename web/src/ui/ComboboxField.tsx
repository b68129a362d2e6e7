import { forwardRef, useEffect, useRef, useState, type KeyboardEvent } from 'react';

export interface ComboboxOption {
  /** What `onPick` receives back. */
  value: string;
  label: string;
  /** A short second text after the label (a code, a region). */
  detail?: string;
}

interface Props {
  id: string;
  label: string;
  hint?: string;
  /** The message shown under the field; the field is marked invalid while it is set. */
  error?: string;
  /** The text in the field. */
  value: string;
  /** The suggestions for the current text, best first (the caller filters them). */
  options: readonly ComboboxOption[];
  /** Said to screen readers while the list is open: "5 gares proposées", "Aucune gare ne correspond". */
  statusText: string;
  onInput: (text: string) => void;
  onPick: (option: ComboboxOption) => void;
  name?: string;
  placeholder?: string;
  /** The id of a hint shown elsewhere (shared by several fields), read as this field's description too. */
  describedBy?: string;
}

/**
 * A text field with a list of suggestions (the WAI-ARIA "combobox with list autocomplete" pattern):
 * typing filters, the arrow keys move in the list, Enter picks, Escape closes; a tap or a click picks too.
 * The text stays free: the caller decides at submit what a text that was never picked means.
 */
export const ComboboxField = forwardRef<HTMLInputElement, Props>(function ComboboxField(
  { id, label, hint, error, value, options, statusText, onInput, onPick, name, placeholder, describedBy: shared },
  ref,
) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const listRef = useRef<HTMLUListElement>(null);
  const listId = `${id}-list`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const optionId = (index: number) => `${id}-option-${index}`;
  const expanded = open && options.length > 0;
  const describedBy =
    [error ? errorId : null, hint ? hintId : null, shared ?? null].filter(Boolean).join(' ') || undefined;

  useEffect(() => {
    if (!expanded || active < 0) return;
    const option = listRef.current?.children[active];
    if (option instanceof HTMLElement && typeof option.scrollIntoView === 'function') {
      option.scrollIntoView({ block: 'nearest' });
    }
  }, [active, expanded]);

  function pick(option: ComboboxOption) {
    onPick(option);
    setOpen(false);
    setActive(-1);
  }

  function keyDown(event: KeyboardEvent<HTMLInputElement>) {
    switch (event.key) {
      case 'ArrowDown':
        event.preventDefault();
        if (!open) {
          setOpen(true);
          setActive(options.length > 0 && !event.altKey ? 0 : -1);
        } else if (options.length > 0) {
          setActive((index) => Math.min(index + 1, options.length - 1));
        }
        break;
      case 'ArrowUp':
        if (!open) break;
        event.preventDefault();
        setActive((index) => Math.max(index - 1, 0));
        break;
      case 'Enter':
        // Picking a suggestion must not submit the form.
        if (expanded && active >= 0 && active < options.length) {
          event.preventDefault();
          pick(options[active]);
        }
        break;
      case 'Escape':
        if (open) {
          event.preventDefault();
          setOpen(false);
          setActive(-1);
        }
        break;
      default:
        break;
    }
  }

  return (
    <div className={error ? 'field combobox field--invalid' : 'field combobox'}>
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
      <div className="combobox__control">
        <input
          ref={ref}
          id={id}
          name={name}
          type="text"
          role="combobox"
          className="field__input"
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={listId}
          aria-activedescendant={expanded && active >= 0 ? optionId(active) : undefined}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          autoComplete="off"
          autoCapitalize="words"
          autoCorrect="off"
          spellCheck={false}
          placeholder={placeholder}
          value={value}
          onChange={(event) => {
            onInput(event.target.value);
            setOpen(true);
            setActive(-1);
          }}
          onClick={() => setOpen(true)}
          onKeyDown={keyDown}
          onBlur={() => {
            setOpen(false);
            setActive(-1);
          }}
        />
        <ul ref={listRef} id={listId} role="listbox" aria-label={label} className="combobox__list" hidden={!expanded}>
          {options.map((option, index) => (
            <li
              key={option.value}
              id={optionId(index)}
              role="option"
              aria-selected={index === active}
              className="combobox__option"
              // Keep the focus in the field, so that the click below still finds the list open.
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => pick(option)}
            >
              {option.label}
              {option.detail ? <span className="combobox__detail"> {option.detail}</span> : null}
            </li>
          ))}
        </ul>
      </div>
      <p className="visually-hidden" aria-live="polite">
        {open ? statusText : ''}
      </p>
      {error ? (
        <p id={errorId} className="field__error">
          {error}
        </p>
      ) : null}
    </div>
  );
});
