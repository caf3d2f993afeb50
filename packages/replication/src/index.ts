// Replication: change-log tailer, per-zone publisher and the replica subscriber (not built yet).
export {};
