// Shapes of tracking's device registry (tracking's OpenAPI document: `Device`) and of inventory's network as the
// live map uses it. The live trains themselves are in `lib/trains.ts` (the booking page reads them too).

/** locomotive: a tracker fixed on the engine; phone: a crew member's phone; portable: a tracker carried on board. */
export type DeviceKind = 'locomotive' | 'phone' | 'portable';
export const DEVICE_KINDS: readonly DeviceKind[] = ['locomotive', 'phone', 'portable'];

export interface Device {
  id: number;
  name: string;
  kind: string;
  /** The run (dated trip) the device travels with. */
  tripId: number | null;
  assignedAt: string | null;
  createdAt: string;
  /** The locomotive the device is mounted on (`CC 2201`): it then follows the trips planned with it. */
  locomotive: string | null;
  /** Who assigned it: an operator, or tracking itself from the trip planned with its locomotive (automatic). */
  assignmentSource: AssignmentSource | null;
  /** The operator who assigned it, or the locomotive of an automatic assignment. */
  assignedBy: string | null;
}

export type AssignmentSource = 'operator' | 'locomotive';

export interface DeviceList {
  devices: Device[];
}

export interface NewDevice {
  name: string;
  kind: DeviceKind;
  locomotive?: string | null;
}

/** `PUT /api/v1/trips/{id}/locomotive` (inventory): the trip with the locomotive planned for it. */
export interface TripLocomotive {
  tripId: number;
  trainNumber: number;
  serviceDate: string;
  locomotive: string | null;
}

/** `POST /api/v1/devices` answers the device with its key, shown this once (only its hash is kept). */
export interface RegisteredDevice extends Device {
  key: string;
  /** `Device <id>:<key>`: the `Authorization` header the device sends. */
  authorization: string;
}

export interface Station {
  /** `OWE`. */
  code: string;
  name: string;
  /** Kilometre point from Owendo. */
  km: number;
  lat: number;
  lon: number;
  /** `terminus`, `principale` or `gare`. */
  type: string;
}

export interface LatLon {
  lat: number;
  lon: number;
}

export interface Network {
  /** In line order, from Owendo. */
  stations: Station[];
  /** The line's polyline. */
  line: LatLon[];
}
