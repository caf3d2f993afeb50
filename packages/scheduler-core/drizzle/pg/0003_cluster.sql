CREATE TABLE "instances" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"incarnation" integer NOT NULL,
	"pid" integer NOT NULL,
	"host" text NOT NULL,
	"version" text NOT NULL,
	"addresses" jsonb NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	"last_seen_at" timestamp (3) with time zone NOT NULL,
	"ended_at" timestamp (3) with time zone,
	"ended_by" text
);
--> statement-breakpoint
CREATE TABLE "leader_lease" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text,
	"term" bigint NOT NULL,
	"acquired_at" timestamp (3) with time zone,
	"expires_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "leadership_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"term" bigint NOT NULL,
	"instance_id" text NOT NULL,
	"event" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"detail" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "owner_instance_id" text;--> statement-breakpoint
CREATE INDEX "instances_status_seen_idx" ON "instances" USING btree ("status","last_seen_at");--> statement-breakpoint
CREATE INDEX "instances_name_idx" ON "instances" USING btree ("name");