import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useT, type TKey } from '../../../i18n';
import { signInHref } from '../../../lib/auth';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { SignInLink } from '../../../ui/SignInLink';
import { TextField } from '../../../ui/TextField';
import { createUser } from '../api/createUser';
import type { NewUser, User } from '../api/types';
import type { Session } from '../session';
import {
  SIGN_UP_FIELDS,
  signUpErrors,
  toNewUser,
  validateSignUp,
  type FieldErrorCode,
  type FieldErrors,
  type FormErrorCode,
  type SignUpField,
} from '../validation';

const FIELD_MESSAGES: Record<SignUpField, Partial<Record<FieldErrorCode, TKey>> & { invalid: TKey }> = {
  displayName: {
    required: 'account.signup.errors.displayName.required',
    'too-long': 'account.signup.errors.displayName.tooLong',
    invalid: 'account.signup.errors.displayName.invalid',
  },
  username: {
    required: 'account.signup.errors.username.required',
    'invalid-email-or-phone': 'account.signup.errors.username.invalidEmailOrPhone',
    'too-long': 'account.signup.errors.username.tooLong',
    'already-exists': 'account.signup.errors.username.alreadyExists',
    invalid: 'account.signup.errors.username.invalid',
  },
  password: {
    required: 'account.signup.errors.password.required',
    'too-short': 'account.signup.errors.password.tooShort',
    'too-long': 'account.signup.errors.password.tooLong',
    'common-password': 'account.signup.errors.password.commonPassword',
    invalid: 'account.signup.errors.password.invalid',
  },
};

const FORM_MESSAGES: Record<FormErrorCode, TKey> = {
  invalid: 'account.signup.errors.form.invalid',
  network: 'ui.errors.network',
  'too-many-requests': 'ui.errors.tooManyRequests',
  'session-expired': 'ui.errors.sessionExpired',
  unexpected: 'ui.errors.unexpected',
};

function fieldMessageKey(field: SignUpField, code: FieldErrorCode): TKey {
  const messages = FIELD_MESSAGES[field];
  return messages[code] ?? messages.invalid;
}

const EMPTY: NewUser = { displayName: '', username: '', password: '' };

export function SignUpPage({ session }: { session: Session }) {
  const t = useT();
  const [values, setValues] = useState<NewUser>(EMPTY);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<FormErrorCode | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [created, setCreated] = useState<User | null>(null);
  const inputs = useRef<Partial<Record<SignUpField, HTMLInputElement | null>>>({});
  const successHeading = useRef<HTMLHeadingElement>(null);
  const [focusFirstError, setFocusFirstError] = useState(0);

  useEffect(() => {
    if (focusFirstError === 0) return;
    const first = SIGN_UP_FIELDS.find((field) => fieldErrors[field]);
    if (first) inputs.current[first]?.focus();
  }, [focusFirstError]); // runs after each failed submit, once the errors are rendered

  useEffect(() => {
    if (created) successHeading.current?.focus();
  }, [created]);

  function update(field: SignUpField, value: string) {
    setValues((previous) => ({ ...previous, [field]: value }));
    // An error goes away as soon as the field is changed; it is checked again on submit.
    if (fieldErrors[field]) setFieldErrors((previous) => ({ ...previous, [field]: undefined }));
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    setFormError(null);
    const errors = validateSignUp(values);
    if (Object.keys(errors).length > 0) {
      setFieldErrors(errors);
      setFocusFirstError((n) => n + 1);
      return;
    }
    setSubmitting(true);
    const result = await createUser(toNewUser(values));
    setSubmitting(false);
    if (result.ok) {
      setCreated(result.data);
      return;
    }
    const { fields, form } = signUpErrors(result.error);
    setFieldErrors(fields);
    setFormError(form ?? null);
    if (Object.keys(fields).length > 0) setFocusFirstError((n) => n + 1);
  }

  if (created) {
    return (
      <section aria-labelledby="signup-success">
        <PageTitle>{t('account.signup.title')}</PageTitle>
        <Notice tone="success">
          <h2 id="signup-success" ref={successHeading} tabIndex={-1}>
            {t('account.signup.successTitle')}
          </h2>
          <p>{t('account.signup.successText', { name: created.displayName })}</p>
        </Notice>
        <p>
          <a className="button" href={signInHref('/profile')}>
            {t('account.signup.signIn')}
          </a>
        </p>
      </section>
    );
  }

  if (session.status === 'signed-in') {
    return (
      <>
        <PageTitle>{t('account.signup.title')}</PageTitle>
        <p>{t('account.signup.alreadySignedIn', { name: session.user.displayName })}</p>
        <p>
          <Link className="button" to="/profile">
            {t('account.signup.profileLink')}
          </Link>
        </p>
      </>
    );
  }

  const hasFieldErrors = SIGN_UP_FIELDS.some((field) => fieldErrors[field]);
  const errorFor = (field: SignUpField) => {
    const code = fieldErrors[field];
    return code ? t(fieldMessageKey(field, code)) : undefined;
  };

  return (
    <>
      <PageTitle>{t('account.signup.title')}</PageTitle>
      <p>{t('account.signup.intro')}</p>
      {formError ? <Notice tone="error">{t(FORM_MESSAGES[formError])}</Notice> : null}
      {hasFieldErrors && !formError ? <p className="visually-hidden" role="alert">{t('account.signup.fixErrors')}</p> : null}
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          ref={(el) => (inputs.current.displayName = el)}
          id="signup-display-name"
          name="displayName"
          label={t('account.signup.displayName')}
          hint={t('account.signup.displayNameHint')}
          error={errorFor('displayName')}
          autoComplete="name"
          maxLength={200}
          value={values.displayName}
          onChange={(e) => update('displayName', e.target.value)}
        />
        <TextField
          ref={(el) => (inputs.current.username = el)}
          id="signup-username"
          name="username"
          label={t('account.signup.username')}
          hint={t('account.signup.usernameHint')}
          error={errorFor('username')}
          autoComplete="username"
          autoCapitalize="none"
          autoCorrect="off"
          spellCheck={false}
          inputMode="email"
          value={values.username}
          onChange={(e) => update('username', e.target.value)}
        />
        <TextField
          ref={(el) => (inputs.current.password = el)}
          id="signup-password"
          name="password"
          type="password"
          label={t('account.signup.password')}
          hint={t('account.signup.passwordHint')}
          error={errorFor('password')}
          autoComplete="new-password"
          value={values.password}
          onChange={(e) => update('password', e.target.value)}
        />
        <button type="submit" className="button" disabled={submitting} aria-busy={submitting || undefined}>
          {submitting ? t('account.signup.submitting') : t('account.signup.submit')}
        </button>
      </form>
      <p className="aside">
        {t('account.signup.haveAccount')} <SignInLink returnTo="/profile" />
      </p>
    </>
  );
}
