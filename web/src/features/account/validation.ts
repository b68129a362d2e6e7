// Sign-up rules, the same as identity's, so most mistakes are caught before a round trip.
// Pure: no DOM, no i18n (messages are chosen from the codes by the form).
import { isProblem, problemCode, type ApiError } from '../../lib/api';
import { isValidEmail, normalizeGabonPhone } from '../../lib/format';
import type { NewUser } from './api/types';

export type SignUpField = 'displayName' | 'username' | 'password';
export const SIGN_UP_FIELDS: readonly SignUpField[] = ['displayName', 'username', 'password'];

/** The server's field error codes, plus `already-exists` (409) and `invalid` for codes we do not know. */
export type FieldErrorCode =
  | 'required'
  | 'invalid-email-or-phone'
  | 'too-short'
  | 'too-long'
  | 'common-password'
  | 'already-exists'
  | 'invalid';

export type FieldErrors = Partial<Record<SignUpField, FieldErrorCode>>;

/** Errors about the whole form rather than one field. */
export type FormErrorCode = 'invalid' | 'network' | 'too-many-requests' | 'session-expired' | 'unexpected';

export const LIMITS = {
  displayNameMax: 80,
  passwordMin: 8,
  passwordMax: 256,
  usernameMax: 254,
} as const;

/** Length in Unicode code points, so an emoji or an accented letter counts once. */
function length(value: string): number {
  return Array.from(value).length;
}

/** An email address as typed (trimmed), or a phone number as E.164; null when it is neither. */
export function normalizeUsername(raw: string): string | null {
  const value = raw.trim();
  if (value.includes('@')) return isValidEmail(value) ? value : null;
  return normalizeGabonPhone(value);
}

export function validateSignUp(input: NewUser): FieldErrors {
  const errors: FieldErrors = {};

  const name = input.displayName.trim();
  if (name === '') errors.displayName = 'required';
  else if (length(name) > LIMITS.displayNameMax) errors.displayName = 'too-long';

  const username = input.username.trim();
  if (username === '') errors.username = 'required';
  else if (length(username) > LIMITS.usernameMax) errors.username = 'too-long';
  else if (normalizeUsername(username) === null) errors.username = 'invalid-email-or-phone';

  const password = input.password;
  if (password === '') errors.password = 'required';
  else if (length(password) < LIMITS.passwordMin) errors.password = 'too-short';
  else if (length(password) > LIMITS.passwordMax) errors.password = 'too-long';

  return errors;
}

/** What is sent once the form is valid: a trimmed name, a normalised username, the password as typed. */
export function toNewUser(input: NewUser): NewUser {
  return {
    displayName: input.displayName.trim(),
    username: normalizeUsername(input.username) ?? input.username.trim(),
    password: input.password,
  };
}

const KNOWN_CODES: readonly FieldErrorCode[] = [
  'required',
  'invalid-email-or-phone',
  'too-short',
  'too-long',
  'common-password',
  'already-exists',
  'invalid',
];

function isSignUpField(field: string): field is SignUpField {
  return (SIGN_UP_FIELDS as readonly string[]).includes(field);
}

function asFieldCode(code: string): FieldErrorCode {
  return (KNOWN_CODES as readonly string[]).includes(code) ? (code as FieldErrorCode) : 'invalid';
}

/** Turns a failed `POST /api/v1/users` into messages next to the fields, or about the whole form. */
export function signUpErrors(error: ApiError): { fields: FieldErrors; form?: FormErrorCode } {
  if (error.kind === 'network') return { fields: {}, form: 'network' };
  if (error.kind === 'unexpected') return { fields: {}, form: 'unexpected' };

  if (isProblem(error, 'already-exists') || error.status === 409) return { fields: { username: 'already-exists' } };
  if (isProblem(error, 'too-many-requests') || error.status === 429) {
    return { fields: {}, form: 'too-many-requests' };
  }
  if (isProblem(error, 'csrf')) return { fields: {}, form: 'session-expired' };

  const code = problemCode(error.problem);
  if (code === 'validation' || error.status === 400 || error.status === 422) {
    const fields: FieldErrors = {};
    let unplaced = false;
    for (const item of error.problem.errors ?? []) {
      if (isSignUpField(item.field)) fields[item.field] ??= asFieldCode(item.code);
      else unplaced = true;
    }
    const placed = Object.keys(fields).length > 0;
    return placed && !unplaced ? { fields } : { fields, form: 'invalid' };
  }
  return { fields: {}, form: 'unexpected' };
}
