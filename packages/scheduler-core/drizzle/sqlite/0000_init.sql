CREATE TABLE `changelog` (
	`zone` text NOT NULL,
	`seq` integer NOT NULL,
	`epoch` text NOT NULL,
	`topic` text NOT NULL,
	`payload` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`zone`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `handlers` (
	`id` text PRIMARY KEY NOT NULL,
	`methods` text NOT NULL,
	`zone` text NOT NULL,
	`tags` text NOT NULL,
	`capacity` integer NOT NULL,
	`status` text NOT NULL,
	`last_seen_at` integer NOT NULL,
	`active_jobs` integer NOT NULL,
	`success_count` integer NOT NULL,
	`failure_count` integer NOT NULL,
	`avg_duration_ms` real,
	`registered_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`schedule_id` text NOT NULL,
	`task` text NOT NULL,
	`args` text NOT NULL,
	`source` text NOT NULL,
	`scheduled_at` integer NOT NULL,
	`status` text NOT NULL,
	`attempt` integer NOT NULL,
	`max_attempts` integer NOT NULL,
	`retry` text NOT NULL,
	`timeout_seconds` real NOT NULL,
	`target` text NOT NULL,
	`not_before` integer NOT NULL,
	`handler_id` text,
	`started_at` integer,
	`finished_at` integer,
	`duration_ms` integer,
	`result` text,
	`error` text,
	`missed_count` integer,
	`missed_until` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_schedule_fire_uq` ON `jobs` (`schedule_id`,`scheduled_at`);--> statement-breakpoint
CREATE INDEX `jobs_schedule_status_idx` ON `jobs` (`schedule_id`,`status`);--> statement-breakpoint
CREATE INDEX `jobs_claim_idx` ON `jobs` (`status`,`not_before`);--> statement-breakpoint
CREATE INDEX `jobs_history_idx` ON `jobs` (`scheduled_at`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_status_history_idx` ON `jobs` (`status`,`scheduled_at`,`id`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`task` text NOT NULL,
	`trigger` text NOT NULL,
	`args` text NOT NULL,
	`metadata` text NOT NULL,
	`paused` integer NOT NULL,
	`misfire_grace_seconds` integer NOT NULL,
	`coalesce` text NOT NULL,
	`max_instances` integer NOT NULL,
	`retry` text NOT NULL,
	`timeout_seconds` real NOT NULL,
	`target` text NOT NULL,
	`next_run_at` integer,
	`last_run_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `schedules_due_idx` ON `schedules` (`paused`,`next_run_at`);--> statement-breakpoint
CREATE INDEX `schedules_task_idx` ON `schedules` (`task`,`id`);--> statement-breakpoint
CREATE TABLE `stream_heads` (
	`zone` text PRIMARY KEY NOT NULL,
	`seq` integer DEFAULT 0 NOT NULL
);
