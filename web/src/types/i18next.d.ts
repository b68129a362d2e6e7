// Debian's node-i18next 22 declares "types": "./index.d.ts" but does not ship that file.
// These are the parts of its API the app uses, typed after i18next 22's own declarations.
declare module 'i18next' {
  export type ResourceTree = { [key: string]: string | ResourceTree };

  export interface InitOptions {
    resources?: Record<string, Record<string, ResourceTree>>;
    lng?: string;
    fallbackLng?: string | readonly string[] | false;
    supportedLngs?: readonly string[];
    ns?: string | readonly string[];
    defaultNS?: string;
    returnNull?: boolean;
    returnEmptyString?: boolean;
    initImmediate?: boolean;
    debug?: boolean;
    interpolation?: { escapeValue?: boolean };
  }

  export interface TOptions {
    lng?: string;
    [variable: string]: unknown;
  }

  export type TFunction = (key: string, options?: TOptions) => string;

  export interface i18n {
    readonly language: string;
    readonly isInitialized: boolean;
    init(options: InitOptions): Promise<TFunction>;
    t: TFunction;
    exists(key: string, options?: TOptions): boolean;
    changeLanguage(lng: string): Promise<TFunction>;
    on(event: 'languageChanged', listener: (lng: string) => void): void;
    off(event: 'languageChanged', listener?: (lng: string) => void): void;
    createInstance(options?: InitOptions): i18n;
  }

  const i18next: i18n;
  export default i18next;
}
