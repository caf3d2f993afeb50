/** What a trigger needs from its schedule to compute fire times without storing state. */
export interface TriggerContext {
  /** Origin of an interval trigger without `startAt`; the service passes the schedule's `createdAt`. */
  anchor: Date;
  /** Seeds the jitter so each schedule gets its own stable offsets; the service passes the schedule id. */
  seed: string;
}
