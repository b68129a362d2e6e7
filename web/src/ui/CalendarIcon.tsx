/** The small calendar drawn on the button that opens a date field's calendar. */
export function CalendarIcon() {
  return (
    <svg className="trip-search__calendar-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
      <rect x="1.5" y="2.5" width="13" height="12" rx="1.5" fill="none" stroke="currentColor" />
      <path d="M1.5 6h13M5 1v3M11 1v3" stroke="currentColor" fill="none" />
    </svg>
  );
}
