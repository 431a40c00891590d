/**
 * The service's schedules: jobs ({@code verify}, {@code check --read-data-subset}, {@code push}, {@code prune}, {@code export}) run
 * in the background at the times of cron expressions ({@link io.keepwatch.config.CronSchedule}, in the machine's
 * time zone), one at a time, by {@link io.keepwatch.schedule.Scheduler} on a thread of its own. When each last ran
 * is kept in {@code .keepwatch/schedules.json}, so that a slot missed while the service was down runs once at its
 * next start. Each run ends in an engine event that the run history records and the notifier tells.
 */
package io.keepwatch.schedule;
