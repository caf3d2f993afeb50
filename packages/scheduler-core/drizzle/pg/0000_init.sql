CREATE TABLE "changelog" (
	"zone" text NOT NULL,
	"seq" bigint NOT NULL,
	"epoch" text NOT NULL,
	"topic" text NOT NULL,
	"payload" jsonb,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "changelog_zone_seq_pk" PRIMARY KEY("zone","seq")
);
--> statement-breakpoint
CREATE TABLE "handlers" (
	"id" text PRIMARY KEY NOT NULL,
	"methods" jsonb NOT NULL,
	"zone" text NOT NULL,
	"tags" jsonb NOT NULL,
	"capacity" integer NOT NULL,
	"status" text NOT NULL,
	"last_seen_at" timestamp (3) with time zone NOT NULL,
	"active_jobs" integer NOT NULL,
	"success_count" bigint NOT NULL,
	"failure_count" bigint NOT NULL,
	"avg_duration_ms" double precision,
	"registered_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"schedule_id" text NOT NULL,
	"task" text NOT NULL,
	"args" jsonb NOT NULL,
	"source" text NOT NULL,
	"scheduled_at" timestamp (3) with time zone NOT NULL,
	"status" text NOT NULL,
	"attempt" integer NOT NULL,
	"max_attempts" integer NOT NULL,
	"retry" jsonb NOT NULL,
	"timeout_seconds" double precision NOT NULL,
	"target" jsonb NOT NULL,
	"not_before" timestamp (3) with time zone NOT NULL,
	"handler_id" text,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"duration_ms" bigint,
	"result" jsonb,
	"error" jsonb,
	"missed_count" integer,
	"missed_until" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"task" text NOT NULL,
	"trigger" jsonb NOT NULL,
	"args" jsonb NOT NULL,
	"metadata" jsonb NOT NULL,
	"paused" boolean NOT NULL,
	"misfire_grace_seconds" integer NOT NULL,
	"coalesce" text NOT NULL,
	"max_instances" integer NOT NULL,
	"retry" jsonb NOT NULL,
	"timeout_seconds" double precision NOT NULL,
	"target" jsonb NOT NULL,
	"next_run_at" timestamp (3) with time zone,
	"last_run_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"version" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stream_heads" (
	"zone" text PRIMARY KEY NOT NULL,
	"seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_schedule_fire_uq" ON "jobs" USING btree ("schedule_id","scheduled_at");--> statement-breakpoint
CREATE INDEX "jobs_schedule_status_idx" ON "jobs" USING btree ("schedule_id","status");--> statement-breakpoint
CREATE INDEX "jobs_claim_idx" ON "jobs" USING btree ("status","not_before");--> statement-breakpoint
CREATE INDEX "jobs_history_idx" ON "jobs" USING btree ("scheduled_at","id");--> statement-breakpoint
CREATE INDEX "jobs_status_history_idx" ON "jobs" USING btree ("status","scheduled_at","id");--> statement-breakpoint
CREATE INDEX "schedules_due_idx" ON "schedules" USING btree ("paused","next_run_at");--> statement-breakpoint
CREATE INDEX "schedules_task_idx" ON "schedules" USING btree ("task","id");