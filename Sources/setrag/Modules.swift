import Gateway
import Identity
import Inventory
import SetragKernel

/// Every module of the platform, sorted by name: what it needs and how it starts (each row's definition lives in
/// its service folder). This table is the architecture in code; adding a service adds one row.
///
/// | module    | needs    | starts                                                              |
/// |-----------|----------|---------------------------------------------------------------------|
/// | gateway   | -        | the public HTTP port: routing, web session, quotas, static web app  |
/// | identity  | database | OAuth 2 server, users, roles, machine clients, audit log            |
/// | inventory | database | stations, trip search, seat maps (seat-leg inventory); seeds trips  |
let moduleTable: [ModuleDefinition] = [
    GatewayModule.definition,
    IdentityModule.definition,
    InventoryModule.definition,
].sorted { $0.name < $1.name }
