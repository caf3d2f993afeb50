// The remote handler worker (not built yet).
export {};
