// Zone policies and projections applied before a change leaves the master (not built yet).
export {};
