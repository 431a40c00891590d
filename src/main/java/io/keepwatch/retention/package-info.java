/**
 * Which old versions and deleted files to let go, and why: the one owner of the retention rules.
 * {@link io.keepwatch.retention.RetentionPolicy} is a pure function (history, policy, time zone, now) to a
 * {@link io.keepwatch.retention.Verdict} per item, keep or remove with its reason: restic-style keep rules (last,
 * hourly ... yearly in calendar buckets, within), Syncthing's staggered preset, an age limit, deleted-file keep time;
 * {@link io.keepwatch.retention.SizeCaps} adds the size and free-space limits over many sources. The no-change fast
 * path asks {@link io.keepwatch.retention.PolicyOutlook} (the earliest instant the policy could remove something, as
 * the metadata index recorded it) instead of restating any rule. The executor performs what it returns.
 */
package io.keepwatch.retention;
