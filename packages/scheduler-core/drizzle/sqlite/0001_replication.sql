CREATE TABLE `replication_state` (
	`zone` text PRIMARY KEY NOT NULL,
	`epoch` text NOT NULL,
	`applied_seq` integer NOT NULL,
	`snapshot_seq` integer,
	`kinds` text,
	`updated_at` integer NOT NULL
);
