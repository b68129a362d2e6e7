// Links into the gateway's web sign-in (backend for frontend). The sign-in form itself is server-rendered.

/** Only same-origin absolute paths may be sent back to; anything else returns to the home page. */
export function safeReturnTo(path: string): string {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\') ? path : '/';
}

/** `/auth/login?returnTo=%2Fprofile`: a full-page navigation to the server's sign-in form. */
export function signInHref(returnTo: string): string {
  return `/auth/login?returnTo=${encodeURIComponent(safeReturnTo(returnTo))}`;
}

export const SIGN_OUT_PATH = '/auth/logout';
