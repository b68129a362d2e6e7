/** true in a development build (`web/build.sh --dev`) and in unit tests; false in production. */
declare const __DEV__: boolean;

declare module '*.css';
