/** The open database itself, whatever role its node plays: what starts, probes and stops it. */
export interface StoreConnection {
  readonly dialect: 'sqlite' | 'postgres';
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
