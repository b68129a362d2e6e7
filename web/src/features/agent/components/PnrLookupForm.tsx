import { useRef, useState, type FormEvent } from 'react';
import { useT } from '../../../i18n';
import { Notice } from '../../../ui/Notice';
import { TextField } from '../../../ui/TextField';
import { cleanPnr } from '../collect';

interface Props {
  /** The field's id (one per page). */
  id: string;
  findLabel: string;
  findingLabel: string;
  /** Looks the booking up: null when found (the page shows it), else the problem to say under the form. */
  lookup: (pnr: string) => Promise<string | null>;
}

/** A counter's "find a booking by its reference" form: the PNR checked as typed, the button busy while looking,
 * and what went wrong said under the form. */
export function PnrLookupForm({ id, findLabel, findingLabel, lookup }: Props) {
  const t = useT();
  const [text, setText] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [finding, setFinding] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  async function find(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    const pnr = cleanPnr(text);
    if (!pnr) {
      setFieldError(t('agent.collect.pnrInvalid'));
      input.current?.focus();
      return;
    }
    setFieldError(null);
    setFinding(true);
    const found = await lookup(pnr);
    setFinding(false);
    setProblem(found);
  }

  return (
    <>
      <form className="form collect__find" onSubmit={(e) => void find(e)} noValidate>
        <TextField
          ref={input}
          id={id}
          name="pnr"
          label={t('agent.collect.pnr')}
          hint={t('agent.collect.pnrHint')}
          error={fieldError ?? undefined}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          maxLength={12}
          className="collect__pnr-input"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setFieldError(null);
          }}
        />
        <button type="submit" className="button" disabled={finding} aria-busy={finding || undefined}>
          {finding ? findingLabel : findLabel}
        </button>
      </form>
      {problem ? (
        <Notice tone="error">
          <p>{problem}</p>
        </Notice>
      ) : null}
    </>
  );
}
