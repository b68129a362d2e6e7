// The bookings feature's public surface: what the shell may use.
export { BookingPage } from './components/BookingPage';
export { BookingsPage } from './components/BookingsPage';
