/**
 * Which old versions and deleted files to let go. {@link io.keepwatch.retention.RetentionPolicy} is a pure
 * function (history, rules, now) to prune actions: keep the newest N versions per path, drop versions
 * archived longer ago than the age limit but never the newest one, drop deleted files after their keep
 * time. The executor performs what it returns.
 */
package io.keepwatch.retention;
