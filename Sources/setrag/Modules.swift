import Booking
import Gateway
import Identity
import Inventory
import Notifications
import Payments
import SetragKernel
import Tracking

/// Every module of the platform, sorted by name: what it needs and how it starts (each row's definition lives in
/// its service folder). This table is the architecture in code; adding a service adds one row.
///
/// | module    | needs    | starts                                                              |
/// |-----------|----------|---------------------------------------------------------------------|
/// | booking   | db, mqtt | offers, bookings (PNR) over inventory's seat holds, tickets; fares  |
/// | gateway   | -        | the public HTTP port: routing, web session, quotas, static web app  |
/// | identity  | database | OAuth 2 server, users, roles, machine clients, audit log            |
/// | inventory | db, mqtt | stations, trip search, seat maps, holds, trip cancellation; trips   |
/// | notifications | db, mqtt | text messages for booking's notices (SMS gateway), delivery log |
/// | payments  | db, mqtt | mobile money and card (E-Billing), cash, callbacks, refunds         |
/// | tracking  | db, mqtt | GPS devices, fixes (HTTP, OsmAnd, MQTT), PK on the line, live trains|
let moduleTable: [ModuleDefinition] = [
    BookingModule.definition,
    GatewayModule.definition,
    IdentityModule.definition,
    InventoryModule.definition,
    NotificationsModule.definition,
    PaymentsModule.definition,
    TrackingModule.definition,
].sorted { $0.name < $1.name }
