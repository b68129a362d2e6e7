// Every message of the app, by language and feature. French is the source: its shape is the type of
// every other language, so a key missing from English fails the type check (and the unit tests).
import frAccount from './fr/account.json';
import frAgent from './fr/agent.json';
import frApp from './fr/app.json';
import frBookings from './fr/bookings.json';
import frHome from './fr/home.json';
import frLive from './fr/live.json';
import frPro from './fr/pro.json';
import frTrips from './fr/trips.json';
import frUi from './fr/ui.json';
import enAccount from './en/account.json';
import enAgent from './en/agent.json';
import enApp from './en/app.json';
import enBookings from './en/bookings.json';
import enHome from './en/home.json';
import enLive from './en/live.json';
import enPro from './en/pro.json';
import enTrips from './en/trips.json';
import enUi from './en/ui.json';
import type { Lang } from './lang';

export const fr = {
  account: frAccount,
  agent: frAgent,
  app: frApp,
  bookings: frBookings,
  home: frHome,
  live: frLive,
  pro: frPro,
  trips: frTrips,
  ui: frUi,
};

export type Messages = typeof fr;

export const en: Messages = {
  account: enAccount,
  agent: enAgent,
  app: enApp,
  bookings: enBookings,
  home: enHome,
  live: enLive,
  pro: enPro,
  trips: enTrips,
  ui: enUi,
};

export const messages: Record<Lang, Messages> = { fr, en };

/** Every dotted path to a string in the French messages: `account.signup.title`, … */
type Leaves<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${Prefix}${K}` : Leaves<T[K], `${Prefix}${K}.`>;
}[keyof T & string];

export type TKey = Leaves<Messages>;
