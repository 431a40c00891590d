/**
 * Notifications that reach a person: {@link io.keepwatch.notify.Alerts} turns engine events (and the passing of time)
 * into messages about problems and their recovery, one per problem kind and source until it recovers, with repeats
 * gathered into a digest after {@code notify.quiet_minutes}; {@link io.keepwatch.notify.Notifier} renders them (a
 * subject a person can filter on, a plain text and an HTML part, the relevant log lines) and sends them through each
 * {@link io.keepwatch.notify.Channel}: email over SMTP ({@link io.keepwatch.notify.EmailChannel}) and a JSON webhook
 * ({@link io.keepwatch.notify.WebhookChannel}). Sending happens on threads of its own, with timeouts; a channel that
 * fails is logged and never stops a backup. Secrets come from files or the environment ({@link io.keepwatch.notify.Secrets}).
 */
package io.keepwatch.notify;
