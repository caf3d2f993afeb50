/** A typed set of listeners per event; a listener that throws is isolated from the others. */
export function createListeners<Events extends object>() {
  const sets = new Map<keyof Events, Set<(value: never) => void>>();
  return {
    on<E extends keyof Events>(event: E, listener: (value: Events[E]) => void): () => void {
      const set = sets.get(event) ?? new Set();
      set.add(listener as (value: never) => void);
      sets.set(event, set);
      return () => set.delete(listener as (value: never) => void);
    },
    emit<E extends keyof Events>(event: E, value: Events[E]): void {
      for (const listener of sets.get(event) ?? []) {
        try {
          (listener as (value: Events[E]) => void)(value);
        } catch {
          // A listener's bug must not stop replication.
        }
      }
    },
  };
}
