// The read-only replica node (not built yet).
export {};
