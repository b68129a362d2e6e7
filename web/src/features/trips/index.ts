// The trips feature's public surface: what the shell may use.
export { BookPage } from './components/BookPage';
export { SeatMapPage } from './components/SeatMapPage';
export { TripSearchPanel, TripsPage } from './components/TripsPage';
