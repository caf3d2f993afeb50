CREATE TABLE "replication_state" (
	"zone" text PRIMARY KEY NOT NULL,
	"epoch" text NOT NULL,
	"applied_seq" bigint NOT NULL,
	"snapshot_seq" bigint,
	"kinds" jsonb,
	"updated_at" timestamp (3) with time zone NOT NULL
);
