// Shapes of identity's user resources (see identity's OpenAPI document, `User` and `NewUser`).

export interface User {
  id: string;
  displayName: string;
  email: string | null;
  /** E.164, e.g. `+24177123456`. */
  phone: string | null;
  roles: string[];
  /** RFC 3339 instant. */
  createdAt: string;
}

export interface NewUser {
  displayName: string;
  /** An email address or a Gabonese mobile number. */
  username: string;
  password: string;
}
